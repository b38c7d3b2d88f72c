namespace BitNet.Runtime.Gguf;

/// <summary>
/// A GGUF file is malformed, truncated, hostile, or uses something this engine does not support.
/// </summary>
/// <remarks>
/// This is the only exception type the GGUF reader throws for bad file content. It names the field that was wrong,
/// the byte offset at which it was read, and what was expected, so that the message alone says what to fix.
/// </remarks>
public sealed class GgufFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="field">The field that was wrong, e.g. <c>tensor_infos[3].n_dims</c> or a metadata key.</param>
    /// <param name="offset">The byte offset in the file where the field was read, or -1 when it has none.</param>
    /// <param name="problem">What was expected and what was found.</param>
    /// <param name="source">The file path or a description of the in-memory source.</param>
    public GgufFormatException(string field, long offset, string problem, string? source = null)
        : base(Format(field, offset, problem, source))
    {
        Field = field;
        Offset = offset;
        Problem = problem;
        SourceName = source;
    }

    /// <summary>The field that was wrong.</summary>
    public string Field { get; }

    /// <summary>The byte offset at which the field was read, or -1.</summary>
    public long Offset { get; }

    /// <summary>What was expected and what was found.</summary>
    public string Problem { get; }

    /// <summary>The file that was being read, when known.</summary>
    public string? SourceName { get; }

    private static string Format(string field, long offset, string problem, string? source)
    {
        var where = offset >= 0 ? $" at byte {offset}" : "";
        var file = source is null ? "GGUF file" : $"GGUF file '{source}'";
        return $"Invalid {file}: field '{field}'{where}: {problem}";
    }
}
