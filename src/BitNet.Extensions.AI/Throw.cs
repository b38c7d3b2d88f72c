using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace BitNet.Extensions.AI;

/// <summary>Argument guards; the parameter name comes from <see cref="CallerArgumentExpressionAttribute"/>.</summary>
internal static class Throw
{
    /// <summary>Throws <see cref="ArgumentNullException"/> when <paramref name="argument"/> is null; returns it otherwise.</summary>
    public static T IfNull<T>([NotNull] T? argument, [CallerArgumentExpression(nameof(argument))] string? paramName = null)
        where T : class
    {
        if (argument is null) ThrowArgumentNull(paramName);
        return argument;
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when <paramref name="value"/> is below <paramref name="minimum"/>.</summary>
    public static int IfLessThan(int value, int minimum, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (value < minimum)
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} must be at least {minimum}; got {value}.");
        return value;
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> for <paramref name="instance"/> when <paramref name="disposed"/> is true.</summary>
    public static void IfDisposed([DoesNotReturnIf(true)] bool disposed, object instance)
    {
        if (disposed) ThrowObjectDisposed(instance);
    }

    [DoesNotReturn]
    private static void ThrowArgumentNull(string? paramName) => throw new ArgumentNullException(paramName);

    [DoesNotReturn]
    private static void ThrowObjectDisposed(object instance) => throw new ObjectDisposedException(instance.GetType().FullName);
}
