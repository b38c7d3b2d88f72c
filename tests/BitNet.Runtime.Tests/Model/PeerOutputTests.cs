using System.Globalization;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Ternary;
using BitNet.Runtime.Model;
using BitNet.Tests;
using Xunit.Abstractions;

namespace BitNet.Runtime.Tests.Model;

/// <summary>
/// Each weight format of <c>shared/fixtures/tinystories-bitnet/</c>, run with the activation handling its peer engine
/// used, against that peer's <c>peer_outputs.json</c>: the whole last-position logit vector of each of the 5 prompts,
/// and 64 greedy ids decoded without stopping at <c>&lt;/s&gt;</c>.
/// </summary>
public sealed class PeerOutputTests(ITestOutputHelper output)
{
    // ---- Tolerances on max |Δlogit| over all 4096 logits. The starting point is the fixture README's table "Suggested
    // tolerances for a C# engine"; where we assert more, the comment gives the measurement and the reason.

    /// <summary>README: "F32 arithmetic on the ternary weights, no act quant | f32 | ≲1e-4". Measured ≤ 4.8e-6.</summary>
    private const float F32Tolerance = 1e-4f;

    /// <summary>
    /// README: "F16 activations | f16 | ~3e-3", for the last position. ggml rounds the inputs of its F16 matmuls to F16;
    /// we keep them in float (the numpy reference's semantics), so this bounds that difference. Measured 1.5e-3…2.5e-3,
    /// the README's own f16-vs-numpy figures to within 1e-5.
    /// </summary>
    private const float F16Tolerance = 3e-3f;

    /// <summary>
    /// The same comparison over every position of prompt 0. The README's "~3e-3" is its measured f16-vs-numpy value
    /// there, 3.024e-3 (peer_outputs.json, observed.f16[0].max_abs_dlogit_all_positions_vs_numpy_noactquant); our
    /// float path equals numpy to ~1e-5, and we measure 3.027e-3 (position 2). 3e-3 sharp would fail on the README's own
    /// number, so the bound is 3.5e-3.
    /// </summary>
    private const float F16AllPositionsTolerance = 3.5e-3f;

    /// <summary>README: "per-token int8 activations | i2_s or numpy int8 | ~2e-3". Measured 7.6e-4…1.18e-3.</summary>
    private const float I2STolerance = 2e-3f;

    /// <summary>
    /// README: "Q8_K 256-block activations | tq2_0 | ~1e-3 expected (not measured: no second Q8_K engine ran)".
    /// Measured 7.0e-4…1.28e-3 (prompt 1), so 1e-3 does not hold; the cause is the peer's LM head, not the Q8_K
    /// blocks: ggml's mul_mat with the F16 token_embd rounds its input to F16. With that rounding reproduced
    /// (<see cref="Int8Formats_WithGgmlsHalfHeadInput_MatchThePeerToRoundingNoise"/>) tq2_0/tq1_0 agree to ≤ 1.9e-5
    /// on every prompt, and i2_s, whose peer has the same head, to ≤ 2.4e-6. That rounding is what the i2_s row's
    /// ~2e-3 already covers, so the TQ formats get the same bound.
    /// </summary>
    private const float TqTolerance = 2e-3f;

    /// <summary>
    /// With the head input rounded to F16 as ggml does, what is left is float summation order and the odd F16
    /// rounding flip: measured ≤ 1.9e-5 (tq, prompt 0) and ≤ 2.4e-6 (i2_s).
    /// </summary>
    private const float GgmlHeadTolerance = 5e-5f;

    private const int GreedyTokens = 64;

    public static TheoryData<string, string, ActivationQuantization, float> Formats() => new()
    {
        { "f32", "models/tinystories-bitnet/tinystories-bitnet-4m-f16.gguf", ActivationQuantization.None, F32Tolerance },
        // The renamed-architecture copy of the F16 master must give the same outputs (README, "Architecture-name variants").
        { "f32", "fixtures/tinystories-bitnet/tinystories-bitnet-4m-f16-bitnet25.gguf", ActivationQuantization.None, F32Tolerance },
        { "f16", "models/tinystories-bitnet/tinystories-bitnet-4m-f16.gguf", ActivationQuantization.None, F16Tolerance },
        { "i2_s", "fixtures/tinystories-bitnet/tinystories-bitnet-4m-i2_s.gguf", ActivationQuantization.Int8PerToken, I2STolerance },
        { "i2_s", "fixtures/tinystories-bitnet/tinystories-bitnet-4m-i2_s-bitnet-b1.58.gguf", ActivationQuantization.Int8PerToken, I2STolerance },
        { "tq2_0", "fixtures/tinystories-bitnet/tinystories-bitnet-4m-tq2_0.gguf", ActivationQuantization.Int8PerBlock, TqTolerance },
        { "tq1_0", "fixtures/tinystories-bitnet/tinystories-bitnet-4m-tq1_0.gguf", ActivationQuantization.Int8PerBlock, TqTolerance },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void EveryPrompt_LastLogitsAndGreedyIdsMatchThePeer(string format, string file, ActivationQuantization activationQuantization, float tolerance)
    {
        var peer = PeerOutputs.Instance[format];
        using var model = Load(file, activationQuantization, KernelPath.Auto);
        var failures = new List<string>();
        for (var i = 0; i < peer.Prompts.Count; i++)
            failures.AddRange(Compare(model, peer, i, tolerance, out _));
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    public static TheoryData<string, string, ActivationQuantization> Int8Formats() => new()
    {
        { "i2_s", "fixtures/tinystories-bitnet/tinystories-bitnet-4m-i2_s.gguf", ActivationQuantization.Int8PerToken },
        { "tq2_0", "fixtures/tinystories-bitnet/tinystories-bitnet-4m-tq2_0.gguf", ActivationQuantization.Int8PerBlock },
        { "tq1_0", "fixtures/tinystories-bitnet/tinystories-bitnet-4m-tq1_0.gguf", ActivationQuantization.Int8PerBlock },
    };

    /// <summary>
    /// The int8 formats with the one remaining semantic difference reproduced (the F16 rounding of the LM head's input
    /// that ggml's F16 × F32 mul_mat performs): the ternary products, per-token and Q8_K alike, then match the peers to
    /// rounding noise — the check that <see cref="ActivationQuantization.Int8PerBlock"/> is ggml's Q8_K exactly.
    /// </summary>
    [Theory]
    [MemberData(nameof(Int8Formats))]
    public void Int8Formats_WithGgmlsHalfHeadInput_MatchThePeerToRoundingNoise(string format, string file, ActivationQuantization activationQuantization)
    {
        var peer = PeerOutputs.Instance[format];
        using var model = Load(file, activationQuantization, KernelPath.Auto, roundHeadInputToHalf: true);
        var failures = new List<string>();
        for (var i = 0; i < peer.Prompts.Count; i++)
            failures.AddRange(Compare(model, peer, i, GgmlHeadTolerance, out _));
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>
    /// The activation handling is what makes the TQ fixtures reproducible: the same TQ2_0 file with per-token int8
    /// misses the tq2_0 peer by far more than its tolerance (in this model only ffn_down, 512 wide, has two blocks).
    /// </summary>
    [Fact]
    public void TqFixture_WithPerTokenActivations_DoesNotReproduceThePeer()
    {
        var peer = PeerOutputs.Instance["tq2_0"];
        using var model = Load("fixtures/tinystories-bitnet/tinystories-bitnet-4m-tq2_0.gguf", ActivationQuantization.Int8PerToken, KernelPath.Auto);
        var worst = 0f;
        foreach (var prompt in peer.Prompts)
        {
            using var session = model.CreateSession();
            worst = MathF.Max(worst, MaxAbsDifference(session.Prefill(prompt.PromptIds), prompt.LastLogits));
        }
        output.WriteLine($"tq2_0 ← tq2_0 file with Int8PerToken: max |Δlogit| over the 5 prompts {Format(worst)}");
        Assert.True(worst > 10 * TqTolerance, $"per-token int8 came within {worst} of the Q8_K peer");
    }

    [Theory]
    [InlineData("f32", F32Tolerance)]
    [InlineData("f16", F16AllPositionsTolerance)]
    public void Prompt0_EveryPositionsLogitsMatchThePeer(string format, float tolerance)
    {
        var peer = PeerOutputs.Instance[format];
        var expected = peer.Prompt0AllLogits!;
        var ids = peer.Prompts[0].PromptIds;
        Assert.Equal(ids.Length, expected.Length);
        using var model = Load("models/tinystories-bitnet/tinystories-bitnet-4m-f16.gguf", ActivationQuantization.None, KernelPath.Auto);
        using var session = model.CreateSession();
        var worst = 0f;
        for (var p = 0; p < ids.Length; p++)
        {
            var delta = MaxAbsDifference(session.Evaluate(ids[p], computeLogits: true), expected[p]);
            output.WriteLine($"{format} prompt 0 position {p}: max |Δlogit| {Format(delta)}");
            worst = MathF.Max(worst, delta);
        }
        output.WriteLine($"{format} prompt 0 all positions: max |Δlogit| {Format(worst)} (tolerance {Format(tolerance)})");
        Assert.True(worst <= tolerance, $"max |Δlogit| {worst} over the positions of prompt 0 exceeds {tolerance}");
    }

    public static TheoryData<KernelPath, string> PathsAndFormats()
    {
        var data = new TheoryData<KernelPath, string>();
        foreach (var kernel in TernaryKernels.Supported)
            foreach (var format in new[] { "f32", "i2_s", "tq2_0", "tq1_0" })
                data.Add(kernel.Path, format);
        return data;
    }

    /// <summary>
    /// Every kernel path this CPU has, forced, on prompt 0: within the tolerance of the peer, and for the int8 modes
    /// bit-identical to the scalar path (the ternary sums are exact integers and everything after them runs in the same
    /// order on every path).
    /// </summary>
    [Theory]
    [MemberData(nameof(PathsAndFormats))]
    public void EveryKernelPath_Prompt0MatchesThePeer(KernelPath path, string format)
    {
        var (file, activationQuantization, tolerance) = format switch
        {
            "f32" => ("models/tinystories-bitnet/tinystories-bitnet-4m-f16.gguf", ActivationQuantization.None, F32Tolerance),
            "i2_s" => ("fixtures/tinystories-bitnet/tinystories-bitnet-4m-i2_s.gguf", ActivationQuantization.Int8PerToken, I2STolerance),
            _ => ($"fixtures/tinystories-bitnet/tinystories-bitnet-4m-{format}.gguf", ActivationQuantization.Int8PerBlock, TqTolerance),
        };
        var peer = PeerOutputs.Instance[format];
        float[] logits;
        using (var model = Load(file, activationQuantization, path))
        {
            Assert.Equal(path, model.KernelPath);
            var failures = Compare(model, peer, 0, tolerance, out logits);
            Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        }
        if (activationQuantization == ActivationQuantization.None || path == KernelPath.Scalar) return;
        using var scalar = Load(file, activationQuantization, KernelPath.Scalar);
        using var session = scalar.CreateSession();
        Assert.Equal(session.Prefill(peer.Prompts[0].PromptIds).ToArray(), logits);
    }

    /// <summary>Compares one prompt; returns the failures (empty when it matches) and our last-position logits.</summary>
    private List<string> Compare(BitNetModel model, PeerFormat peer, int index, float tolerance, out float[] logits)
    {
        var prompt = peer.Prompts[index];
        var failures = new List<string>();
        using var session = model.CreateSession();
        logits = session.Prefill(prompt.PromptIds).ToArray();
        var delta = MaxAbsDifference(logits, prompt.LastLogits);

        var ids = new int[GreedyTokens];
        var next = logits;
        for (var t = 0; t < GreedyTokens; t++)
        {
            ids[t] = ArgMax(next);
            if (t + 1 < GreedyTokens) next = session.Decode(ids[t]).ToArray(); // </s> is fed back too, as the peers did
        }
        var agree = 0;
        while (agree < GreedyTokens && ids[agree] == prompt.GreedyIds[agree]) agree++;

        var head = model.Options.RoundHeadInputToHalf ? ", F16 head input" : "";
        output.WriteLine($"{peer.Name} ← {Path.GetFileName(model.ModelPath)} [{model.Options.ActivationQuantization}, {model.KernelPath}{head}] " +
                         $"prompt {index}: max |Δlogit| {Format(delta)} (tolerance {Format(tolerance)}), greedy {agree}/{GreedyTokens}");
        if (!(delta <= tolerance))
            failures.Add($"{peer.Name} prompt {index}: max |Δlogit| {delta} exceeds {tolerance}");
        if (agree < GreedyTokens)
            failures.Add($"{peer.Name} prompt {index}: greedy ids differ from token {agree} on " +
                         $"(ours {ids[agree]}, peer {prompt.GreedyIds[agree]})");
        return failures;
    }

    private static BitNetModel Load(string file, ActivationQuantization activationQuantization, KernelPath path, bool roundHeadInputToHalf = false) =>
        BitNetModel.Load(new BitNetModelOptions
        {
            ModelPath = SharedData.File(file.Split('/')),
            ActivationQuantization = activationQuantization,
            KernelPath = path,
            Threads = 1,
            RoundHeadInputToHalf = roundHeadInputToHalf,
        });

    private static float MaxAbsDifference(ReadOnlySpan<float> actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        var max = 0f;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = MathF.Abs(actual[i] - expected[i]);
            if (float.IsNaN(d)) return float.NaN;
            max = MathF.Max(max, d);
        }
        return max;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    private static string Format(float value) => value.ToString("0.00e+0", CultureInfo.InvariantCulture);
}
