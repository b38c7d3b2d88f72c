namespace WebApi;

/// <summary>
/// The server runs a model for whoever can reach it and has no authentication, so it listens on the loopback interface
/// only: any other address in <c>--urls</c> / <c>Urls</c> stops it at start-up with a message saying so.
/// </summary>
internal static class LoopbackUrls
{
    public static void ThrowIfNotLoopback(string? urls)
    {
        if (string.IsNullOrWhiteSpace(urls)) return; // Kestrel's default, http://localhost:5000, is loopback.
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Wildcards (http://*:80, http://+:80) do not parse as URIs and are refused with the rest.
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !uri.IsLoopback)
                throw new InvalidOperationException(
                    $"The BitNet server listens on loopback only, but the URL '{url}' is not a loopback address. Use http://127.0.0.1:<port>.");
        }
    }
}
