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

    [Fact]
    public void Int8HeadQuantization_IsTheQ8_0OutputWeight_WithTheF16LookupReadInPlace()
    {
        // Re-encoding at load must give exactly the model whose file carries the same table as a Q8_0 output.weight:
        // same encoder, same kernel, and the lookup stays the exact F16 rows.
        using var reencoded = Load(Reencode(GgufTensorType.F16, GgufTensorType.Q8_0));
        using var reference = TinyModel.Load(ActivationQuantization.Int8PerToken);
        using var int8 = BitNetModel.Load(new BitNetModelOptions { ModelPath = TinyModel.Path, Threads = 2, HeadQuantization = HeadQuantization.Int8 });

        Assert.Equal(GgufTensorType.Q8_0, int8.Weights.Head.Type);
        Assert.Equal(GgufTensorType.F16, int8.Weights.Head.RequantizedFrom);
        Assert.Null(int8.Weights.Output);
        Assert.Equal(GgufTensorType.F16, int8.Weights.TokenEmbedding.Type);
        Assert.Equal(4096L * 256 / 32 * 34, int8.Weights.Head.ByteCount);
        Assert.Equal(0, int8.Weights.TokenEmbedding.HeldBytes); // read in place from the mapped file
        Assert.Equal(int8.Weights.Head.ByteCount, int8.Weights.TableBytes);

        var row = new float[256];
        var expectedRow = new float[256];
        foreach (var token in new[] { 0, 5, 4095 })
        {
            int8.Weights.TokenEmbedding.CopyRow(token, row);
            reference.Weights.TokenEmbedding.CopyRow(token, expectedRow);
            Assert.Equal(expectedRow, row);
        }
        foreach (var text in s_prompts)
        {
            var prompt = int8.Tokenizer.Encode(text);
            Assert.Equal(reencoded.CreateSession().Prefill(prompt).ToArray(), int8.CreateSession().Prefill(prompt).ToArray());
        }
        var session = int8.CreateSession();
        session.Decode(1);
        Assert.Equal(0, Allocations.Measure(() =>
        {
            for (var i = 0; i < 20; i++) session.Decode(412 + i);
        }));
    }

    [Theory]
    [InlineData(GgufTensorType.Q8_0)]
    [InlineData(GgufTensorType.Q6_K)]
    public void Int8HeadQuantization_LeavesAQuantizedHeadAsStored(GgufTensorType type)
    {
        var path = Reencode(type);
        using var stored = Load(path);
        using var int8 = BitNetModel.Load(new BitNetModelOptions { ModelPath = path, Threads = 2, HeadQuantization = HeadQuantization.Int8 });
        Assert.Equal(type, int8.Weights.Head.Type);
        Assert.Null(int8.Weights.Head.RequantizedFrom);
        Assert.Same(int8.Weights.TokenEmbedding, int8.Weights.Head);
        var prompt = int8.Tokenizer.Encode("Once upon a time");
        Assert.Equal(stored.CreateSession().Prefill(prompt).ToArray(), int8.CreateSession().Prefill(prompt).ToArray());
    }

    [Theory]
    [InlineData(GgufTensorType.F32)]
    [InlineData(GgufTensorType.BF16)]
    [InlineData(GgufTensorType.F16)]
    public void Requantization_OfEveryFloatType_IsTheQ8_0EncoderOverTheWidenedValues(GgufTensorType type)
    {
        // 3 rows × 96 values (3 blocks), odd magnitudes, one all-zero block.
        var random = new Random(7);
        var values = new float[3 * 96];
        for (var i = 0; i < values.Length; i++) values[i] = i is >= 96 and < 128 ? 0 : (float)(random.NextDouble() * 6 - 3) * (i % 7 + 1);
        var (bytes, widened) = StoreAs(type, values);
        var image = new GgufTestWriter().Add("general.architecture", "bitnet").AddTensor("token_embd.weight", type, [96, 3], bytes).Build();
        using var file = GgufFile.Load(image);
        using var head = TokenEmbedding.RequantizedToQ8_0(file, file.GetTensor("token_embd.weight"));
        Assert.Equal(GgufTensorType.Q8_0, head.Type);
        Assert.Equal(type, head.RequantizedFrom);

        var encoded = new byte[Q8_0Encoder.ByteSize(widened.Length)];
        Q8_0Encoder.Encode(widened, encoded);
        var expected = new float[96];
        var row = new float[96];
        for (var token = 0; token < 3; token++)
        {
            for (var j = 0; j < 96; j++)
            {
                var block = encoded.AsSpan((token * 96 + j) / 32 * 34);
                expected[j] = (sbyte)block[2 + j % 32] * (float)BitConverter.UInt16BitsToHalf(BitConverter.ToUInt16(block));
            }
            head.CopyRow(token, row);
            Assert.Equal(expected, row);
        }
    }

    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NaN)]
    public void Requantization_NamesTheFirstNonFiniteRow(float bad)
    {
        var values = new float[4 * 64];
        values[2 * 64 + 5] = bad;
        values[3 * 64] = bad;
        var (bytes, _) = StoreAs(GgufTensorType.F32, values);
        var image = new GgufTestWriter().Add("general.architecture", "bitnet").AddTensor("token_embd.weight", GgufTensorType.F32, [64, 4], bytes).Build();
        using var file = GgufFile.Load(image);
        var error = Assert.Throws<GgufFormatException>(() => TokenEmbedding.RequantizedToQ8_0(file, file.GetTensor("token_embd.weight")));
        Assert.Contains("row 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("NaN or infinite", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UndefinedHeadQuantization_IsRefusedByName()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new BitNetModelOptions { HeadQuantization = (HeadQuantization)7 }.Validate());
        Assert.Equal(nameof(BitNetModelOptions.HeadQuantization), error.ParamName);
        Assert.Contains("Int8", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The bytes of <paramref name="values"/> stored as <paramref name="type"/>, and the floats those bytes widen back to.</summary>
    private static (byte[] Bytes, float[] Widened) StoreAs(GgufTensorType type, float[] values)
    {
        var widened = new float[values.Length];
        var bytes = new byte[values.Length * (type == GgufTensorType.F32 ? 4 : 2)];
        for (var i = 0; i < values.Length; i++)
        {
            switch (type)
            {
                case GgufTensorType.F32:
                    BitConverter.TryWriteBytes(bytes.AsSpan(4 * i), values[i]);
                    widened[i] = values[i];
                    break;
                case GgufTensorType.F16:
                    BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), BitConverter.HalfToUInt16Bits((Half)values[i]));
                    widened[i] = (float)(Half)values[i];
                    break;
                default:
                    var top = (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16); // truncation: any BF16 bits will do
                    BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), top);
                    widened[i] = BitConverter.UInt32BitsToSingle((uint)top << 16);
                    break;
            }
        }
        return (bytes, widened);
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
