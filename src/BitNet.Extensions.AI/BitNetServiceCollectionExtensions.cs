using BitNet.Extensions.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the BitNet chat client and embedding generator with dependency injection.</summary>
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
    /// A hosted service that warms the runtime when the host starts (<see cref="BitNetChatClientOptions.WarmUp"/>, on by
    /// default; without a host nothing runs it).
    /// </description></item>
    /// <item><description>
    /// The <see cref="IChatClient"/> pipeline (a singleton) around a <see cref="BitNetChatClient"/> on that runtime, with
    /// one layer already added: text preprocessing (<see cref="BitNetPreprocessingChatClient"/>, configured by
    /// <see cref="BitNetChatClientOptions.Preprocessing"/>; none when <c>Preprocessing.Enabled</c> is false). It is the
    /// first <c>Use</c>, hence the outermost layer: middleware the caller adds to the returned builder
    /// (<c>.UseLogging()</c>, <c>.UseOpenTelemetry()</c>, <c>.UseDistributedCache()</c>) runs inside it and sees the
    /// preprocessed text, exactly what the model receives. No other middleware is added; function invocation in
    /// particular is the caller's choice.
    /// </description></item>
    /// </list>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static ChatClientBuilder AddBitNetChatClient(this IServiceCollection services, Action<BitNetChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        AddBitNetRuntime(services, configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, BitNetWarmUpService>(static provider => new BitNetWarmUpService(
            provider.GetRequiredService<BitNetRuntime>(),
            provider.GetRequiredService<IOptions<BitNetChatClientOptions>>().Value,
            provider.GetService<ILogger<BitNetWarmUpService>>())));

        var builder = services.AddChatClient(static provider => new BitNetChatClient(
            provider.GetRequiredService<BitNetRuntime>(),
            provider.GetRequiredService<IOptions<BitNetChatClientOptions>>().Value));
        // The first Use is the outermost layer: everything the caller adds later sees the preprocessed request.
        return builder.Use(static (inner, provider) => BitNetPreprocessingChatClientBuilderExtensions.Create(
            inner, provider.GetRequiredService<IOptions<BitNetChatClientOptions>>().Value.Preprocessing, provider));
    }

    /// <summary>
    /// Registers the BitNet chat client as <see cref="AddBitNetChatClient(IServiceCollection, Action{BitNetChatClientOptions}?)"/>
    /// does, with <see cref="BitNetChatClientOptions"/> bound from <paramref name="configuration"/> (e.g. the
    /// <c>"BitNet"</c> section of appsettings.json: <c>{ "ModelPath": "…", "KvCache": "Int8", "Threads": 2 }</c>) and then
    /// adjusted by <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section holding the options.</param>
    /// <param name="configure">Runs after binding; null for none.</param>
    /// <returns>The builder of the <see cref="IChatClient"/> pipeline.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is null.</exception>
    public static ChatClientBuilder AddBitNetChatClient(this IServiceCollection services, IConfiguration configuration,
                                                        Action<BitNetChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<BitNetChatClientOptions>().Bind(configuration);
        return services.AddBitNetChatClient(configure);
    }

    /// <summary>
    /// Registers the BitNet chat client on a host (<c>Host.CreateApplicationBuilder</c>, <c>WebApplication.CreateBuilder</c>),
    /// with <see cref="BitNetChatClientOptions"/> bound from the configuration section <paramref name="sectionName"/> and
    /// then adjusted by <paramref name="configure"/>. Invalid options stop the host when it starts.
    /// </summary>
    /// <param name="builder">The host application builder.</param>
    /// <param name="sectionName">The configuration section of the options; default <c>"BitNet"</c>.</param>
    /// <param name="configure">Runs after binding; null for none.</param>
    /// <returns>The builder of the <see cref="IChatClient"/> pipeline.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="sectionName"/> is null.</exception>
    public static ChatClientBuilder AddBitNetChatClient(this IHostApplicationBuilder builder, string sectionName = "BitNet",
                                                        Action<BitNetChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(sectionName);
        return builder.Services.AddBitNetChatClient(builder.Configuration.GetSection(sectionName), configure);
    }

    /// <summary>
    /// Registers a BitNet chat client under <paramref name="serviceKey"/> (resolve it with
    /// <c>[FromKeyedServices("…")] IChatClient</c> or <c>GetRequiredKeyedService&lt;IChatClient&gt;("…")</c>), with options
    /// named after the key (so <c>services.Configure&lt;BitNetChatClientOptions&gt;("…", section)</c> also applies) and
    /// validated on start. A keyed client gets its own <see cref="BitNetRuntime"/> (registered under the same key), since
    /// it may name another model; clients resolved under one key share it. A hosted service warms that runtime when the
    /// host starts, as for <see cref="AddBitNetChatClient(IServiceCollection, Action{BitNetChatClientOptions}?)"/>, with
    /// the key's options (<see cref="BitNetChatClientOptions.WarmUp"/>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key, also the options' name.</param>
    /// <param name="configure">Configures the named options; null keeps the defaults.</param>
    /// <returns>The builder of the keyed <see cref="IChatClient"/> pipeline.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="serviceKey"/> is null.</exception>
    public static ChatClientBuilder AddKeyedBitNetChatClient(this IServiceCollection services, string serviceKey,
                                                             Action<BitNetChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(serviceKey);

        // One warm-up per key: registering the same key's chat client again does not add a second one.
        var firstChatClientForKey = !services.Any(d => d.IsKeyedService && d.ServiceType == typeof(IChatClient) && Equals(d.ServiceKey, serviceKey));
        AddKeyedBitNetRuntime(services, serviceKey, configure);
        if (firstChatClientForKey)
        {
            services.AddSingleton<IHostedService>(provider => new BitNetWarmUpService(
                provider.GetRequiredKeyedService<BitNetRuntime>(serviceKey),
                provider.GetRequiredService<IOptionsMonitor<BitNetChatClientOptions>>().Get(serviceKey),
                provider.GetService<ILogger<BitNetWarmUpService>>()));
        }

        var builder = services.AddKeyedChatClient(serviceKey, provider => new BitNetChatClient(
            provider.GetRequiredKeyedService<BitNetRuntime>(serviceKey),
            provider.GetRequiredService<IOptionsMonitor<BitNetChatClientOptions>>().Get(serviceKey)));
        return builder.Use((inner, provider) => BitNetPreprocessingChatClientBuilderExtensions.Create(
            inner, provider.GetRequiredService<IOptionsMonitor<BitNetChatClientOptions>>().Get(serviceKey).Preprocessing, provider));
    }

    /// <summary>
    /// Registers a <see cref="BitNetEmbeddingGenerator"/> as the <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of
    /// strings to <see cref="Embedding{T}"/> of floats (the mean-pooled, normalized final hidden state; see its remarks
    /// for what quality to expect) and returns the <see cref="EmbeddingGeneratorBuilder{TInput, TEmbedding}"/> so that
    /// middleware can be added (<c>.UseLogging().UseOpenTelemetry()</c>…).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">
    /// Configures the <see cref="BitNetChatClientOptions"/> the runtime is loaded with (model, context length,
    /// concurrency; <see cref="BitNetChatClientOptions.ModelId"/> is the id results report); null keeps the defaults.
    /// </param>
    /// <returns>The builder of the embedding generator pipeline; the BitNet generator is its innermost generator.</returns>
    /// <remarks>
    /// Registers the options with validation on start and the <see cref="BitNetRuntime"/> singleton exactly as
    /// <see cref="AddBitNetChatClient(IServiceCollection, Action{BitNetChatClientOptions}?)"/> does, each only if it is not
    /// registered yet: with both registrations the generator and the chat client share one runtime (one loaded model, one
    /// set of request slots), and both <paramref name="configure"/> delegates apply to its options. No warm-up service is
    /// added here.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> AddBitNetEmbeddingGenerator(this IServiceCollection services,
        Action<BitNetChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddBitNetRuntime(services, configure);
        return services.AddEmbeddingGenerator(static provider => new BitNetEmbeddingGenerator(
            provider.GetRequiredService<BitNetRuntime>(),
            provider.GetRequiredService<IOptions<BitNetChatClientOptions>>().Value.ModelId));
    }

    /// <summary>
    /// Registers a <see cref="BitNetEmbeddingGenerator"/> under <paramref name="serviceKey"/>, on the keyed
    /// <see cref="BitNetRuntime"/> of that key (shared with <see cref="AddKeyedBitNetChatClient"/> under the same key) and
    /// the options named after it.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key, also the options' name.</param>
    /// <param name="configure">Configures the named options; null keeps the defaults.</param>
    /// <returns>The builder of the keyed embedding generator pipeline.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="serviceKey"/> is null.</exception>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> AddKeyedBitNetEmbeddingGenerator(this IServiceCollection services,
        string serviceKey, Action<BitNetChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(serviceKey);
        AddKeyedBitNetRuntime(services, serviceKey, configure);
        return services.AddKeyedEmbeddingGenerator(serviceKey, provider => new BitNetEmbeddingGenerator(
            provider.GetRequiredKeyedService<BitNetRuntime>(serviceKey),
            provider.GetRequiredService<IOptionsMonitor<BitNetChatClientOptions>>().Get(serviceKey).ModelId));
    }

    /// <summary>The validated options and, unless one is registered, the <see cref="BitNetRuntime"/> singleton loaded from them.</summary>
    private static void AddBitNetRuntime(IServiceCollection services, Action<BitNetChatClientOptions>? configure)
    {
        var options = services.AddOptions<BitNetChatClientOptions>();
        if (configure is not null) options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BitNetChatClientOptions>, BitNetChatClientOptionsValidator>());

        services.TryAddSingleton(static provider => BitNetRuntime.Load(
            provider.GetRequiredService<IOptions<BitNetChatClientOptions>>().Value,
            provider.GetService<ILogger<BitNetRuntime>>()));
    }

    /// <summary>The validated options named <paramref name="serviceKey"/> and, unless one is registered, the runtime under that key.</summary>
    private static void AddKeyedBitNetRuntime(IServiceCollection services, string serviceKey, Action<BitNetChatClientOptions>? configure)
    {
        var options = services.AddOptions<BitNetChatClientOptions>(serviceKey);
        if (configure is not null) options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BitNetChatClientOptions>, BitNetChatClientOptionsValidator>());

        services.TryAddKeyedSingleton(serviceKey, static (provider, key) => BitNetRuntime.Load(
            provider.GetRequiredService<IOptionsMonitor<BitNetChatClientOptions>>().Get((string)key!),
            provider.GetService<ILogger<BitNetRuntime>>()));
    }
}
