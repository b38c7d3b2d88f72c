using System.Globalization;
using Microsoft.Extensions.Options;

namespace BitNet.Extensions.AI.Hosting;

/// <summary>Checks <see cref="OpenAIEndpointOptions"/> when the host starts; the message names the option, its value and the range.</summary>
internal sealed class OpenAIEndpointOptionsValidator : IValidateOptions<OpenAIEndpointOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenAIEndpointOptions options)
    {
        List<string>? failures = null;
        Check(ref failures, nameof(OpenAIEndpointOptions.MaxRequestBodyBytes), options.MaxRequestBodyBytes, 1024, 64L << 20);
        Check(ref failures, nameof(OpenAIEndpointOptions.MaxMessages), options.MaxMessages, 1, 100_000);
        Check(ref failures, nameof(OpenAIEndpointOptions.MaxOutputTokens), options.MaxOutputTokens, 1, 1_000_000);
        Check(ref failures, nameof(OpenAIEndpointOptions.MaxStopSequences), options.MaxStopSequences, 1, 64);
        Check(ref failures, nameof(OpenAIEndpointOptions.MaxTools), options.MaxTools, 1, 1024);
        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(ref List<string>? failures, string option, long value, long min, long max)
    {
        if (value >= min && value <= max) return;
        (failures ??= []).Add(string.Create(CultureInfo.InvariantCulture,
            $"{nameof(OpenAIEndpointOptions)}.{option} is {value}; allowed: {min} to {max}."));
    }
}
