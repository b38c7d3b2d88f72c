namespace WebApi;

/// <summary>
/// The server runs a model for whoever can reach it and has no authentication, so it listens on the loopback interface
/// only: the sample refuses to start on any other address given in <c>--urls</c> / <c>Urls</c> / <c>ASPNETCORE_URLS</c>.
/// </summary>
internal static class LoopbackUrls
{
    /// <summary>The first URL in <paramref name="urls"/> (<c>;</c>-separated) that is not a loopback address, or null.</summary>
    public static string? FindNonLoopback(string? urls)
    {
        if (string.IsNullOrWhiteSpace(urls)) return null; // Kestrel's default, http://localhost:5000, is loopback.
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Wildcards (http://*:80, http://+:80) do not parse as URIs and are refused with the rest.
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !uri.IsLoopback) return url;
        }
        return null;
    }
}
