using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Quantized;
using BitNet.Runtime.Model;
using BitNet.Runtime.Tests.Gguf;
using BitNet.Runtime.Tests.Kernels;
using BitNet.Runtime.Weights;
using BitNet.Runtime.Weights.Head;
using BitNet.Tests;
using Xunit.Abstractions;

namespace BitNet.Runtime.Tests.Weights;

/// <summary>
/// The shipped TinyStories model with its F16 embedding (the tied LM head) re-encoded as Q8_0 or Q6_K: it loads, rows
/// dequantize by ggml's formulas, and its logits stay within a measured distance of the F16 head's.
/// </summary>
public sealed class QuantizedHeadModelTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bitnet-qhead-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Copies the tiny model with token_embd re-encoded to <paramref name="embedding"/>, plus an output.weight of <paramref name="output"/> if given.</summary>
    private string Reencode(GgufTensorType embedding, GgufTensorType? output = null)
    {
        var path = Path.Combine(_directory, $"tiny-{embedding}-{output?.ToString() ?? "tied"}.gguf");
        using var source = GgufFile.Open(TinyModel.Path);
        using var writer = GgufWriter.Create(path);
        foreach (var value in source.Metadata.Values) writer.Add(value);
        var master = source.GetTensor("token_embd.weight");
        foreach (var t in source.Tensors)
            writer.AddTensor(t.Name, t.Name == master.Name ? embedding : t.Type, [.. t.Dimensions]);
        if (output is { } o) writer.AddTensor("output.weight", o, [.. master.Dimensions]);
        writer.WriteHeader();
        foreach (var t in source.Tensors)
            writer.WriteData(t.Name == master.Name ? Encode(source, master, embedding) : source.GetTensorBytes(t));
        if (output is { } type) writer.WriteData(Encode(source, master, type));
        writer.Complete();
        return path;
    }

    private static byte[] Encode(GgufFile file, GgufTensorInfo master, GgufTensorType type)
    {
        var values = Widen(file, master);
        switch (type)
        {
            case GgufTensorType.F16: return file.GetTensorBytes(master).ToArray();
            case GgufTensorType.Q8_0:
            {
                var bytes = new byte[Q8_0Encoder.ByteSize(values.Length)];
                Q8_0Encoder.Encode(values, bytes);
                return bytes;
            }
            default:
            {
                var bytes = new byte[Q6_KEncoder.ByteSize(values.Length)];
                Q6_KEncoder.Encode(values, bytes);
                return bytes;
            }
        }
    }

    private static float[] Widen(GgufFile file, GgufTensorInfo master)
    {
        var halves = file.GetTensorData<Half>(master);
        var values = new float[halves.Length];
        for (var i = 0; i < values.Length; i++) values[i] = (float)halves[i];
        return values;
    }

    private BitNetModel Load(string path, KernelPath head = KernelPath.Auto) =>
        BitNetModel.Load(new BitNetModelOptions { ModelPath = path, ContextLength = 256, Threads = 2, HeadKernelPath = head });

    [Fact]
    public void Q8_0Rows_AreGgmlsDequantization_OfTheEncodedBlocks()
    {
        using var model = Load(Reencode(GgufTensorType.Q8_0));
        var e = model.Weights.TokenEmbedding;
        Assert.Equal(GgufTensorType.Q8_0, e.Type);
        Assert.Equal(4096L * 256 / 32 * 34, e.ByteCount);
        using var file = GgufFile.Open(TinyModel.Path);
        var master = Widen(file, file.GetTensor("token_embd.weight"));
        var row = new float[256];
        foreach (var token in new[] { 0, 1, 77, 4095 })
        {
            e.CopyRow(token, row);
            for (var b = 0; b < 8; b++)
            {
                var x = master.AsSpan(token * 256 + b * 32, 32);
                var amax = 0f;
                foreach (var v in x) amax = MathF.Max(amax, MathF.Abs(v));
                var d = amax / 127f;
                var id = d != 0 ? 1f / d : 0f;
                var dh = (float)(Half)d;
                for (var j = 0; j < 32; j++) Assert.Equal((sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero) * dh, row[b * 32 + j]);
            }
        }
    }

    [Fact]
    public void Q6_KRows_DecodeHandBuiltBlocks_ByGgmlsFormula()
    {
        // One row of two super-blocks with extreme codes and negative scales and steps, written by the documented layout.
        var random = new Random(3);
        var bytes = new byte[2 * Q6_KDot.BlockBytes];
        var expected = new float[512];
        for (var b = 0; b < 2; b++)
        {
            var codes = new int[256];
            var scales = new sbyte[16];
            for (var i = 0; i < 256; i++) codes[i] = i % 3 == 0 ? 0 : i % 3 == 1 ? 63 : random.Next(64);
            for (var g = 0; g < 16; g++) scales[g] = (sbyte)(g % 4 == 0 ? -128 : random.Next(-127, 128));
            var d = b == 0 ? -0.02f : 0.5f;
            var block = new byte[Q6_KDot.BlockBytes];
            QuantizedHeadKernelTests.EncodeQ6_K(codes, scales, d, block);
            block.CopyTo(bytes, b * Q6_KDot.BlockBytes);
            for (var i = 0; i < 256; i++) expected[b * 256 + i] = (float)(Half)d * scales[i / 16] * (codes[i] - 32);
        }
        var image = new GgufTestWriter().Add("general.architecture", "bitnet").AddTensor("token_embd.weight", GgufTensorType.Q6_K, [512, 1], bytes).Build();
        using var file = GgufFile.Load(image);
        using var e = new TokenEmbedding(file, file.GetTensor("token_embd.weight"));
        var row = new float[512];
        e.CopyRow(0, row);
        Assert.Equal(expected, row);
    }

    [Theory]
    [InlineData(GgufTensorType.Q8_0, 34)]
    [InlineData(GgufTensorType.Q6_K, 210)]
    public void NonFiniteBlockStep_IsAFormatError(GgufTensorType type, int blockBytes)
    {
        var blocks = 2 * 256 / (type == GgufTensorType.Q8_0 ? 32 : 256);
        var bytes = new byte[blocks * blockBytes];
        var stepAt = (blocks - 1) * blockBytes + (type == GgufTensorType.Q8_0 ? 0 : 208);
        BitConverter.TryWriteBytes(bytes.AsSpan(stepAt), BitConverter.HalfToUInt16Bits(Half.PositiveInfinity));
        var image = new GgufTestWriter().Add("general.architecture", "bitnet").AddTensor("token_embd.weight", type, [256, 2], bytes).Build();
        using var file = GgufFile.Load(image);
        var error = Assert.Throws<GgufFormatException>(() => new TokenEmbedding(file, file.GetTensor("token_embd.weight")));
        Assert.Contains("row 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("NaN or infinite", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedTableType_IsNamed()
    {
        var image = new GgufTestWriter().Add("general.architecture", "bitnet").AddTensor("token_embd.weight", GgufTensorType.Q4_0, [256, 1], new byte[8 * 18]).Build();
        using var file = GgufFile.Load(image);
        var error = Assert.Throws<NotSupportedException>(() => new TokenEmbedding(file, file.GetTensor("token_embd.weight")));
        Assert.Contains("Q4_0", error.Message, StringComparison.Ordinal);
        Assert.Contains("Q6_K", error.Message, StringComparison.Ordinal);
    }

    // Bounds: about 1.5× what was measured (docs/benchmarks.md, "Quantized LM head"). Tied: the lookup is quantized
    // too, so the difference runs through every layer; head only: F16 token_embd, quantized output.weight.
    [Theory]
    [InlineData(GgufTensorType.Q8_0, true, 0.3f, 0.03f, 0.95)]
    [InlineData(GgufTensorType.Q6_K, true, 0.6f, 0.045f, 0.95)]
    [InlineData(GgufTensorType.Q8_0, false, 0.15f, 0.011f, 0.97)]
    [InlineData(GgufTensorType.Q6_K, false, 0.45f, 0.03f, 0.95)]
    public void Logits_StayNearTheF16Head(GgufTensorType type, bool tied, float maxDelta, float meanDelta, double agreement)
    {
        using var reference = TinyModel.Load(ActivationQuantization.Int8PerToken, contextLength: 256);
        using var quantized = Load(tied ? Reencode(type) : Reencode(GgufTensorType.F16, type));
        var stats = Compare(reference, quantized);
        output.WriteLine($"{type} {(tied ? "tied embedding + head" : "head only")} vs F16 (int8 activations, {stats.Positions} positions of 5 prompts, teacher-forced on the F16 greedy ids): " +
                         $"max |Δlogit| {stats.Max:G3}, mean {stats.Mean:G3}, logit scale (mean |logit|) {stats.Scale:G3}, greedy agreement {stats.Agreement:P1} ({stats.Agree}/{stats.Positions})");
        Assert.True(stats.Max <= maxDelta, $"max |Δlogit| {stats.Max}");
        Assert.True(stats.Mean <= meanDelta, $"mean |Δlogit| {stats.Mean}");
        Assert.True(stats.Agreement >= agreement, $"greedy agreement {stats.Agreement}");
    }

    [Theory]
    [InlineData(GgufTensorType.Q8_0)]
    [InlineData(GgufTensorType.Q6_K)]
    public void EveryHeadPath_GivesTheScalarLogits(GgufTensorType type)
    {
        var path = Reencode(type);
        using var scalar = Load(path, KernelPath.Scalar);
        var prompt = scalar.Tokenizer.Encode("Once upon a time, there was a little fox");
        var expected = scalar.CreateSession().Prefill(prompt).ToArray();
        foreach (var p in type == GgufTensorType.Q8_0 ? Q8_0Dot.Paths.Where(Q8_0Dot.IsSupported) : Q6_KDot.Paths.Where(Q6_KDot.IsSupported))
        {
            using var model = Load(path, p);
            Assert.Equal(p, model.Weights.Head.HeadKernelPath);
            var logits = model.CreateSession().Prefill(prompt).ToArray();
            for (var i = 0; i < logits.Length; i++) Assert.True(MathF.Abs(logits[i] - expected[i]) <= 1e-4f * (1 + MathF.Abs(expected[i])), $"{p} token {i}: {logits[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void SeparateOutputWeight_IsTheHead_AndTheEmbeddingStaysTheLookup()
    {
        using var tied = TinyModel.Load(ActivationQuantization.Int8PerToken);
        using var untiedF16 = Load(Reencode(GgufTensorType.F16, GgufTensorType.F16));
        Assert.NotNull(untiedF16.Weights.Output);
        var prompt = tied.Tokenizer.Encode("Once upon a time");
        Assert.Equal(tied.CreateSession().Prefill(prompt).ToArray(), untiedF16.CreateSession().Prefill(prompt).ToArray());
        Assert.Equal(2 * tied.Weights.TokenEmbedding.ByteCount, untiedF16.Weights.TableBytes);

        using var untiedQ6 = Load(Reencode(GgufTensorType.F16, GgufTensorType.Q6_K));
        Assert.Equal(GgufTensorType.F16, untiedQ6.Weights.TokenEmbedding.Type);
        Assert.Equal(GgufTensorType.Q6_K, untiedQ6.Weights.Head.Type);
        Assert.Equal(untiedQ6.Weights.TernaryBytes + untiedQ6.Weights.TableBytes, untiedQ6.HeldWeightBytes);
    }

    [Theory]
    [InlineData(GgufTensorType.Q8_0)]
    [InlineData(GgufTensorType.Q6_K)]
    public void Decode_WithAQuantizedHead_AllocatesNothingPerToken(GgufTensorType type)
    {
        using var model = Load(Reencode(type));
        var session = model.CreateSession();
        session.Decode(1);
        Assert.Equal(0, Allocations.Measure(() =>
        {
            for (var i = 0; i < 20; i++) session.Decode(412 + i);
        }));
    }

    [Fact]
    public void UnsupportedHeadPath_IsRefusedAtLoad()
    {
        var error = Assert.Throws<NotSupportedException>(() => Load(TinyModel.Path, KernelPath.AdvSimdDot));
        Assert.Contains("AdvSimdDot", error.Message, StringComparison.Ordinal);
    }

    private sealed record Stats(int Positions, double Max, double Mean, double Scale, int Agree)
    {
        public double Agreement => (double)Agree / Positions;
    }

    private static readonly string[] s_prompts =
    [
        "Once upon a time", "Lily and Ben went to the park", "The little dog was sad because",
        "One day, a girl named Mia found a box", "Tom wanted to fly like a bird",
    ];

    /// <summary>Runs the F16 model greedily for 48 tokens per prompt and feeds the same ids to the other; compares every position's logits.</summary>
    private static Stats Compare(BitNetModel reference, BitNetModel other)
    {
        int positions = 0, agree = 0;
        double max = 0, sum = 0, scale = 0;
        foreach (var text in s_prompts)
        {
            var a = reference.CreateSession();
            var b = other.CreateSession();
            var prompt = reference.Tokenizer.Encode(text);
            var la = a.Prefill(prompt).ToArray();
            var lb = b.Prefill(prompt).ToArray();
            for (var step = 0; step < 48; step++)
            {
                var next = TensorPrimitives.IndexOfMax(la);
                positions++;
                if (TensorPrimitives.IndexOfMax(lb) == next) agree++;
                for (var i = 0; i < la.Length; i++)
                {
                    var d = Math.Abs(la[i] - lb[i]);
                    max = Math.Max(max, d);
                    sum += d;
                    scale += Math.Abs(la[i]);
                }
                la = a.Decode(next).ToArray();
                lb = b.Decode(next).ToArray();
            }
        }
        var n = (double)positions * reference.Config.VocabularySize;
        return new Stats(positions, max, sum / n, scale / n, agree);
    }
}
