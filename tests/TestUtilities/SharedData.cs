using System.Runtime.CompilerServices;

namespace BitNet.Tests;

/// <summary>
/// The one place tests find <c>../shared</c> (the model, fixtures and reference outputs that live beside the repository).
/// </summary>
internal static class SharedData
{
    private const string EnvironmentVariable = "BITNET_SHARED_DIR";

    private static readonly Lazy<string> s_root = new(Locate);

    /// <summary>The <c>shared</c> directory.</summary>
    public static string Root => s_root.Value;

    /// <summary><c>shared/models/tinystories-bitnet</c>.</summary>
    public static string TinyStoriesDir => Path.Combine(Root, "models", "tinystories-bitnet");

    /// <summary><c>shared/fixtures/tinystories-bitnet</c>.</summary>
    public static string FixturesDir => Path.Combine(Root, "fixtures", "tinystories-bitnet");

    /// <summary>A file under <c>shared</c>, checked to exist.</summary>
    public static string File(params string[] relative)
    {
        var path = Path.Combine([Root, .. relative]);
        if (!System.IO.File.Exists(path))
            throw new FileNotFoundException($"The shared test data file '{path}' is missing. The tests expect the project's 'shared' folder " +
                                            "beside the repository checkout (../shared) with its models/ and fixtures/.", path);
        return path;
    }

    /// <summary>The repository root (the folder holding BitNet.Extensions.AI.sln).</summary>
    public static string RepositoryRoot([CallerFilePath] string thisFile = "")
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "BitNet.Extensions.AI.sln")))
                return dir.FullName;
        return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));
    }

    private static string Locate()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            if (IsShared(fromEnvironment)) return Path.GetFullPath(fromEnvironment);
            throw new DirectoryNotFoundException($"{EnvironmentVariable} is set to '{fromEnvironment}', but that folder has no models/tinystories-bitnet.");
        }

        // Walk up from the test binaries: the repository sits at <parent>/<repo>, shared at <parent>/shared.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (IsShared(candidate)) return candidate;
        }

        throw new DirectoryNotFoundException(
            "Could not find the shared test data. Put the project's 'shared' folder beside the repository checkout " +
            $"(so that ../shared/models/tinystories-bitnet exists), or set {EnvironmentVariable} to its path. " +
            $"Searched upwards from '{AppContext.BaseDirectory}'.");
    }

    private static bool IsShared(string path) => Directory.Exists(Path.Combine(path, "models", "tinystories-bitnet"));
}
