using System.Collections;

namespace BitNet.Extensions.AI.Tests;

/// <summary>A lazy sequence that counts how often it is enumerated.</summary>
internal sealed class CountingEnumerable<T>(IReadOnlyList<T> items) : IEnumerable<T>
{
    public int Enumerations { get; private set; }

    public IEnumerator<T> GetEnumerator()
    {
        Enumerations++;
        return Iterate();
    }

    private IEnumerator<T> Iterate()
    {
        foreach (var item in items) yield return item;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
