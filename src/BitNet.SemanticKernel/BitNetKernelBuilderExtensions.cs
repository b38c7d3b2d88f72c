using BitNet.Extensions.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Microsoft.SemanticKernel;

/// <summary>Registers the BitNet chat client with a Semantic Kernel <see cref="IKernelBuilder"/>.</summary>
public static class BitNetKernelBuilderExtensions
{
    /// <summary>
    /// Registers a local BitNet model as the kernel's chat service, the way Semantic Kernel's own connectors register
    /// theirs: an <see cref="IChatClient"/> pipeline with kernel function invocation
    /// (<see cref="KernelFunctionInvokingChatClientBuilderExtensions.UseKernelFunctionInvocation"/>, so that plugins run
    /// with <see cref="FunctionChoiceBehavior.Auto"/> and the kernel's function-invocation filters), and an
    /// <see cref="IChatCompletionService"/> over that pipeline, both under <paramref name="serviceId"/>.
    /// </summary>
    /// <param name="builder">The kernel builder (<c>Kernel.CreateBuilder()</c>, or <c>services.AddKernel()</c> in an app).</param>
    /// <param name="configure">
    /// Configures <see cref="BitNetChatClientOptions"/> (named after <paramref name="serviceId"/> when it is set); null
    /// keeps the defaults: the shipped model, one request at a time.
    /// </param>
    /// <param name="serviceId">
    /// The service key (a kernel's <c>PromptExecutionSettings.ServiceId</c> selects it); null for the default service.
    /// A keyed service has its own options and runtime, as with <c>AddKeyedBitNetChatClient</c>.
    /// </param>
    /// <param name="configurePipeline">
    /// Adds middleware inside the function-invocation layer, next to the model (e.g.
    /// <c>p => p.UseOpenTelemetry().UseLogging()</c>); null for none.
    /// </param>
    /// <returns><paramref name="builder"/>, to chain further registrations.</returns>
    /// <remarks>
    /// Everything <c>AddBitNetChatClient</c> registers comes with it: options validated on start, the runtime as a
    /// singleton (loaded on first use) and the warm-up hosted service (run by a host; a kernel built with
    /// <c>Kernel.CreateBuilder().Build()</c> has none, so its first request pays the warm-up). Semantic Kernel's
    /// <c>PromptExecutionSettings</c> reach the client as <see cref="ChatOptions"/>: <c>temperature</c>, <c>top_p</c>,
    /// <c>top_k</c>, <c>seed</c>, <c>max_tokens</c> and <c>stop_sequences</c> become the typed options, and other
    /// extension-data keys (e.g. <see cref="BitNetChatClient.MinPPropertyName"/>) additional properties.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static IKernelBuilder AddBitNetChatClient(this IKernelBuilder builder, Action<BitNetChatClientOptions>? configure = null,
                                                     string? serviceId = null, Action<ChatClientBuilder>? configurePipeline = null)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var pipeline = serviceId is null
            ? builder.Services.AddBitNetChatClient(configure)
            : builder.Services.AddKeyedBitNetChatClient(serviceId, configure);
        pipeline.UseKernelFunctionInvocation();
        configurePipeline?.Invoke(pipeline);

        // A null key registers the default (unkeyed) service, as Semantic Kernel's connectors do.
        builder.Services.AddKeyedSingleton<IChatCompletionService>(serviceId, static (provider, key) =>
            provider.GetRequiredKeyedService<IChatClient>(key).AsChatCompletionService(provider));
        return builder;
    }
}
