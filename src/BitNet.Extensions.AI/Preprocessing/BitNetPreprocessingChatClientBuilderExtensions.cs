using BitNet.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds <see cref="BitNetPreprocessingChatClient"/> to a <see cref="ChatClientBuilder"/> pipeline.</summary>
public static class BitNetPreprocessingChatClientBuilderExtensions
{
    /// <summary>
    /// Adds text preprocessing (<see cref="BitNetPreprocessingChatClient"/>) at this point of the pipeline: layers added
    /// before it see the caller's text, layers added after it (and the inner client) see the preprocessed text.
    /// </summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">
    /// Adjusts the options; null for none. It starts from a copy of <see cref="BitNetPreprocessingOptions"/> resolved
    /// from the pipeline's service provider when the options pattern is registered there (so
    /// <c>services.Configure&lt;BitNetPreprocessingOptions&gt;(configuration.GetSection("…"))</c> applies), otherwise from
    /// the defaults.
    /// </param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <remarks>
    /// <c>AddBitNetChatClient</c> already adds this layer, configured by <see cref="BitNetChatClientOptions.Preprocessing"/>;
    /// use this method for another <see cref="IChatClient"/>, or to place the layer elsewhere after setting
    /// <c>Preprocessing.Enabled = false</c> there. Invalid options fail when the pipeline is built, with an
    /// <see cref="ArgumentException"/> naming the option, its value and the allowed range.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static ChatClientBuilder UseBitNetPreprocessing(this ChatClientBuilder builder, Action<BitNetPreprocessingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((innerClient, services) =>
        {
            var options = services.GetService<IOptions<BitNetPreprocessingOptions>>()?.Value.Clone() ?? new BitNetPreprocessingOptions();
            configure?.Invoke(options);
            return Create(innerClient, options, services);
        });
    }

    /// <summary>
    /// The preprocessing layer around <paramref name="innerClient"/>, or <paramref name="innerClient"/> itself when
    /// <paramref name="options"/> disable it (so a disabled layer costs nothing).
    /// </summary>
    internal static IChatClient Create(IChatClient innerClient, BitNetPreprocessingOptions options, IServiceProvider services) =>
        options.Enabled
            ? new BitNetPreprocessingChatClient(innerClient, options, services.GetService<ILoggerFactory>()?.CreateLogger<BitNetPreprocessingChatClient>())
            : innerClient;
}
