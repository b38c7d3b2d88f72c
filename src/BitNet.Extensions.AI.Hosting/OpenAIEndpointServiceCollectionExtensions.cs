using BitNet.Extensions.AI.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers what <c>MapBitNetOpenAIEndpoints</c> needs.</summary>
public static class OpenAIEndpointServiceCollectionExtensions
{
    /// <summary>
    /// Registers the OpenAI-compatible endpoint's services: <see cref="OpenAIEndpointOptions"/> (validated when the host
    /// starts), the served model (the <see cref="IChatClient"/>'s <see cref="ChatClientMetadata.DefaultModelId"/>) and the
    /// statistics <c>/health</c> reports. The endpoint answers with the DI-registered <see cref="IChatClient"/>, e.g.
    /// from <c>builder.AddBitNetChatClient()</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adjusts the limits; null keeps the defaults.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddBitNetOpenAIEndpoints(this IServiceCollection services, Action<OpenAIEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<OpenAIEndpointOptions>();
        if (configure is not null) options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpenAIEndpointOptions>, OpenAIEndpointOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static provider =>
            new ServedModel(provider.GetRequiredService<IChatClient>(), provider.GetRequiredService<TimeProvider>()));
        // Created now, not on the first /health request, so that its listener sees the warm-up, which runs as the host starts.
        if (!services.Any(static d => d.ServiceType == typeof(OpenAIEndpointStatistics)))
        {
            var statistics = new OpenAIEndpointStatistics();
            services.AddSingleton(_ => statistics); // from a factory, so the container disposes it
        }
        return services;
    }

    /// <summary>
    /// Registers the endpoint's services as <see cref="AddBitNetOpenAIEndpoints(IServiceCollection, Action{OpenAIEndpointOptions}?)"/>
    /// does, with the limits bound from <paramref name="configuration"/> (e.g. the <c>"OpenAIEndpoint"</c> section:
    /// <c>{ "MaxRequestBodyBytes": 1048576, "MaxOutputTokens": 4096 }</c>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section holding <see cref="OpenAIEndpointOptions"/>.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is null.</exception>
    public static IServiceCollection AddBitNetOpenAIEndpoints(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<OpenAIEndpointOptions>().Bind(configuration);
        return services.AddBitNetOpenAIEndpoints();
    }
}
