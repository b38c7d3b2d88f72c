namespace BitNet.Runtime;

/// <summary>
/// The model that ships with the library: a 4M-parameter BitNet b1.58 trained on TinyStories, with the exact
/// architecture of bitnet-b1.58-2B-4T. Its files are copied next to every application that references the runtime.
/// </summary>
public static class DefaultModel
{
    /// <summary>The folder, relative to the application, that holds the default model.</summary>
    public const string RelativeDirectory = "models/tinystories-bitnet";

    /// <summary>The GGUF file name of the default model.</summary>
    public const string FileName = "tinystories-bitnet-4m-f16.gguf";

    /// <summary>The full path of the default model's GGUF file next to the running application.</summary>
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, RelativeDirectory, FileName);

    /// <summary>Resolves a configured model path: null or empty means the default model.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist (the message says what to do).</exception>
    public static string Resolve(string? modelPath)
    {
        if (string.IsNullOrWhiteSpace(modelPath))
        {
            var path = Path;
            if (!File.Exists(path))
                throw new FileNotFoundException(
                    $"The default model was not found at '{path}'. It is copied to the output folder of every project that references BitNet.Runtime; rebuild, or set a model path explicitly.", path);
            return path;
        }
        var full = System.IO.Path.GetFullPath(modelPath);
        if (!File.Exists(full))
            throw new FileNotFoundException($"The model file '{full}' does not exist. Pass the path of a BitNet GGUF file, or none to use the default model.", full);
        return full;
    }
}
