using BitNet.Extensions.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the BitNet chat client with dependency injection.</summary>
public static class BitNetServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="BitNetChatClient"/> as the <see cref="IChatClient"/>, configured through the options
    /// pattern, and returns the <see cref="ChatClientBuilder"/> so that middleware can be added
    /// (<c>.UseLogging().UseOpenTelemetry()</c>…).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">
    /// Configures <see cref="BitNetChatClientOptions"/>; null keeps the defaults (the shipped model, one request at a
    /// time). Other configuration (e.g. <c>services.Configure&lt;BitNetChatClientOptions&gt;(section)</c>) also applies.
    /// </param>
    /// <returns>The builder of the <see cref="IChatClient"/> pipeline; the BitNet client is its innermost client.</returns>
    /// <remarks>
    /// <para>What is registered:</para>
    /// <list type="bullet">
    /// <item><description>
    /// <see cref="BitNetChatClientOptions"/> with validation on start: when the host starts, an invalid value stops it
    /// with an <see cref="OptionsValidationException"/> naming the option, its value and the allowed range (without a
    /// host, the same exception is thrown when the client is first resolved).
    /// </description></item>
    /// <item><description>
    /// <see cref="BitNetRuntime"/> as a singleton, unless one is registered already (so several registrations share one
    /// loaded model). The model is loaded when the runtime is first resolved, and the container disposes it.
    /// </description></item>
    /// <item><description>
    /// The <see cref="IChatClient"/> pipeline (a singleton) around a <see cref="BitNetChatClient"/> on that runtime. No
    /// middleware is added here; function invocation in particular is the caller's choice.
    /// </description></item>
    /// </list>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static ChatClientBuilder AddBitNetChatClient(this IServiceCollection services, Action<BitNetChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var options = services.AddOptions<BitNetChatClientOptions>();
        if (configure is not null) options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BitNetChatClientOptions>, BitNetChatClientOptionsValidator>());

        services.TryAddSingleton(static provider => BitNetRuntime.Load(
            provider.GetRequiredService<IOptions<BitNetChatClientOptions>>().Value,
            provider.GetService<ILogger<BitNetRuntime>>()));

        return services.AddChatClient(static provider => new BitNetChatClient(
            provider.GetRequiredService<BitNetRuntime>(),
            provider.GetRequiredService<IOptions<BitNetChatClientOptions>>().Value));
    }
}
