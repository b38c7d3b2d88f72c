using System.Text.Json;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Model;
using BitNet.Runtime.Sampling;
using BitNet.Tests;

namespace BitNet.Cli.Tests;

public sealed class GenerateCommandTests
{
    public static TheoryData<int> PromptIndices() => [0, 1, 2, 3, 4];

    [Theory]
    [MemberData(nameof(PromptIndices))]
    public async Task Json_GreedyWithoutActivationQuantization_GivesTheReferenceIds(int index)
    {
        var reference = ReferenceOutputs.Instance.Prompts[index];
        var expected = reference.NoQuant.GreedyIds;
        List<string> args = ["generate", reference.Prompt, "--temperature", "0", "--act-quant", "none", "--json", "--model", TinyModel.Path];
        // A reference that ends with </s> is the whole greedy continuation: run with the default limit (the rest of
        // the context). Otherwise the reference was cut at its length.
        if (expected[^1] != 2) args.AddRange(["--max-tokens", expected.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        var run = await CliRunner.RunAsync([.. args]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("", run.Error);
        using var json = JsonDocument.Parse(run.Out);
        var root = json.RootElement;
        Assert.Equal(reference.PromptIds, Ints(root.GetProperty("prompt_ids")));
        Assert.Equal(expected, Ints(root.GetProperty("ids")));
        Assert.Equal(reference.NoQuant.GreedyText.TrimStart(), root.GetProperty("text").GetString()!.TrimStart());
        Assert.Equal(expected[^1] == 2 ? "end_of_sequence" : "max_tokens", root.GetProperty("finish_reason").GetString());
        var timings = root.GetProperty("timings");
        foreach (var name in new[] { "load_ms", "prefill_ms", "time_to_first_token_ms", "decode_ms", "total_ms" })
            Assert.True(timings.GetProperty(name).GetDouble() >= 0, name);
        Assert.Equal(expected.Length, timings.GetProperty("generated_tokens").GetInt32());
    }

    [Fact]
    public async Task TextMode_StreamsPromptAndContinuationToStdoutAndTimingsToStderr()
    {
        const string prompt = "Once upon a time";
        string[] common = [prompt, "--temperature", "0", "--act-quant", "none", "--max-tokens", "24", "--model", TinyModel.Path];
        var text = await CliRunner.RunAsync(["generate", .. common]);
        var json = await CliRunner.RunAsync(["generate", .. common, "--json"]);

        Assert.True(text.ExitCode == 0, text.ToString());
        using var doc = JsonDocument.Parse(json.Out);
        var continuation = doc.RootElement.GetProperty("text").GetString();
        Assert.Equal(prompt + continuation + "\n", text.Out);
        Assert.Single(text.ErrorLines);
        Assert.Contains("tok/s", text.Error, StringComparison.Ordinal);
        Assert.Contains("24 generated", text.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("tok/s", text.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("f32")]
    [InlineData("f16")]
    [InlineData("bf16")]
    [InlineData("fp8")]
    [InlineData("fp8-e5m2")]
    [InlineData("int8")]
    [InlineData("int4")]
    public async Task KvCache_EveryTypeGenerates(string type)
    {
        var run = await CliRunner.RunAsync("generate", "Once upon a time", "--temperature", "0", "--max-tokens", "16", "--no-echo",
                                           "--kv-cache", type, "--model", TinyModel.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.NotEqual("", run.Out.Trim());
    }

    [Fact]
    public async Task NoEcho_PrintsOnlyTheContinuation()
    {
        var run = await CliRunner.RunAsync("generate", "Once upon a time", "--temperature", "0", "--max-tokens", "8", "--no-echo", "--model", TinyModel.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("Once upon a time", run.Out, StringComparison.Ordinal);
        Assert.NotEqual("", run.Out.Trim());
    }

    [Fact]
    public async Task EmptyPrompt_StartsAStoryWithoutLeadingSpace()
    {
        var run = await CliRunner.RunAsync("generate", "", "--temperature", "0", "--max-tokens", "4", "--model", TinyModel.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("Once upon a time", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seed_MakesSamplingReproducible()
    {
        string[] args = ["generate", "Lily and Tom", "--seed", "42", "--max-tokens", "30", "--json", "--model", TinyModel.Path];
        var first = await CliRunner.RunAsync(args);
        var second = await CliRunner.RunAsync(args);
        Assert.True(first.ExitCode == 0, first.ToString());
        using var a = JsonDocument.Parse(first.Out);
        using var b = JsonDocument.Parse(second.Out);
        Assert.Equal(Ints(a.RootElement.GetProperty("ids")), Ints(b.RootElement.GetProperty("ids")));
    }

    [Fact]
    public async Task Stop_EndsTheTextBeforeTheStopSequence()
    {
        // Greedy "Once upon a time" continues ", there was a little girl named Lily. ..." (reference_outputs.json).
        var run = await CliRunner.RunAsync("generate", "Once upon a time", "--temperature", "0", "--act-quant", "none",
            "--stop", "girl", "--json", "--model", TinyModel.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal(", there was a little ", doc.RootElement.GetProperty("text").GetString());
        Assert.Equal("stop_sequence", doc.RootElement.GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task GreedyWithAnExplicitRepeatPenalty_IsTheEnginesPenalisedArgmax()
    {
        string[] common = ["generate", "Once upon a time", "--temperature", "0", "--act-quant", "none", "--max-tokens", "40", "--json", "--model", TinyModel.Path];
        var plain = await CliRunner.RunAsync(common);
        var penalised = await CliRunner.RunAsync([.. common, "--repeat-penalty", "1.5", "--repeat-last-n", "16"]);
        Assert.True(penalised.ExitCode == 0, penalised.ToString());
        using var plainDoc = JsonDocument.Parse(plain.Out);
        using var penalisedDoc = JsonDocument.Parse(penalised.Out);
        // The default penalty is off for greedy decoding; an explicit one applies.
        using var model = TinyModel.Load(ActivationQuantization.None);
        int[] Engine(SamplingOptions sampling) =>
            [.. new TextGeneration(model, model.Tokenizer.Encode("Once upon a time"), new GenerationOptions { MaxTokens = 40, Sampling = sampling })
                .Run().Select(t => t.Id)];
        Assert.Equal(Engine(SamplingOptions.Greedy), Ints(plainDoc.RootElement.GetProperty("ids")));
        var expected = Engine(SamplingOptions.Greedy with { RepetitionPenalty = 1.5f, RepetitionPenaltyWindow = 16 });
        Assert.Equal(expected, Ints(penalisedDoc.RootElement.GetProperty("ids")));
        Assert.NotEqual(Ints(plainDoc.RootElement.GetProperty("ids")), expected);
    }

    [Fact]
    public async Task DefaultModel_IsUsedWithoutModelOption()
    {
        var run = await CliRunner.RunAsync("generate", "Once upon a time", "--max-tokens", "5", "--seed", "1");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("Once upon a time", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_EndsWithOneErrorLine()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var run = await CliRunner.RunAsync(["generate", "Once upon a time", "--model", TinyModel.Path], null, cts.Token);
        CliRunner.AssertOneLineError(run, 1, "cancel");
    }

    [Fact]
    public async Task ActQuantInt8Block_OnTheTq2Fixture_GivesTheGgmlPeersGreedyIds()
    {
        // ggml runs TQ2_0 with Q8_K activations (a scale per 256-element block): --act-quant int8-block.
        var peer = PeerOutputs.Instance["tq2_0"].Prompts[0];
        var model = SharedData.File("fixtures", "tinystories-bitnet", "tinystories-bitnet-4m-tq2_0.gguf");
        var run = await CliRunner.RunAsync("generate", peer.Prompt, "--temperature", "0", "--act-quant", "int8-block", "--max-tokens", "24",
            "--json", "--model", model);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal("int8-block", json.RootElement.GetProperty("act_quant").GetString());
        Assert.Equal(peer.PromptIds, Ints(json.RootElement.GetProperty("prompt_ids")));
        Assert.Equal(peer.GreedyIds[..24], Ints(json.RootElement.GetProperty("ids")));
    }

    private static int[] Ints(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetInt32())];
}
