using Microsoft.Extensions.Logging;

namespace BitNet.Extensions.AI;

/// <summary>Source-generated log messages. Prompt and response text is never logged here (use <c>UseLogging()</c>).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Loaded BitNet model '{ModelId}' from '{ModelPath}' in {ElapsedMilliseconds} ms: context {ContextLength} tokens, " +
                  "activation quantization {ActivationQuantization}, up to {MaxConcurrentRequests} concurrent request(s).")]
    public static partial void ModelLoaded(ILogger logger, string modelId, string modelPath, long elapsedMilliseconds, int contextLength,
        string activationQuantization, int maxConcurrentRequests);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Loading the BitNet model from '{ModelPath}' failed.")]
    public static partial void ModelLoadFailed(ILogger logger, string modelPath, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Disposed the BitNet runtime for model '{ModelId}'.")]
    public static partial void RuntimeDisposed(ILogger logger, string modelId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Warmed up the BitNet runtime of model '{ModelId}' with {PromptCount} prompt(s) in {ElapsedMilliseconds} ms.")]
    public static partial void WarmedUp(ILogger logger, string modelId, int promptCount, long elapsedMilliseconds);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "Unicode normalization {Form} is configured but unavailable: the application runs with InvariantGlobalization, where " +
                  "string.Normalize returns text unchanged. The other preprocessing steps still run; set InvariantGlobalization to false " +
                  "(ICU) to normalize, or set UnicodeNormalization to null to silence this warning.")]
    public static partial void NormalizationUnavailable(ILogger logger, string form);
}
