using BitNet.Runtime;
using BitNet.Runtime.Model;

namespace BitNet.Tests;

/// <summary>Loads the shared TinyStories BitNet model (the source of truth for golden tests).</summary>
internal static class TinyModel
{
    public static string Path => SharedData.File("models", "tinystories-bitnet", "tinystories-bitnet-4m-f16.gguf");

    public static BitNetModel Load(ActivationQuantization activationQuantization = ActivationQuantization.None, int? contextLength = null) =>
        BitNetModel.Load(new BitNetModelOptions { ModelPath = Path, ActivationQuantization = activationQuantization, ContextLength = contextLength });
}
