namespace BitNet.Extensions.AI.Hosting;

/// <summary>
/// Limits of the OpenAI-compatible endpoint (<c>MapBitNetOpenAIEndpoints</c>), so that no request can make the server
/// read, allocate or generate without bound. Bound from the <c>"OpenAIEndpoint"</c> configuration section by the sample;
/// validated when the host starts.
/// </summary>
public sealed class OpenAIEndpointOptions
{
    /// <summary>The largest request body accepted, in bytes (default 1 MiB; allowed 1 KiB to 64 MiB). Larger bodies get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1 << 20;

    /// <summary>The most messages a chat request may hold (default 256; allowed 1 to 100,000).</summary>
    public int MaxMessages { get; set; } = 256;

    /// <summary>
    /// The largest <c>max_tokens</c> / <c>max_completion_tokens</c> accepted (default 4096; allowed 1 to 1,000,000). A request
    /// without one is bounded by the model's context instead.
    /// </summary>
    public int MaxOutputTokens { get; set; } = 4096;

    /// <summary>The most stop sequences a request may hold (default 4, OpenAI's limit; allowed 1 to 64).</summary>
    public int MaxStopSequences { get; set; } = 4;

    /// <summary>The most tools a chat request may declare (default 128, OpenAI's limit; allowed 1 to 1024).</summary>
    public int MaxTools { get; set; } = 128;
}
