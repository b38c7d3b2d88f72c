using BitNet.Runtime.KvCache;
using BitNet.Runtime.Model;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Model;

/// <summary>Every KV cache type end to end on the TinyStories model: batched prefill equals decode, no allocation, exact sizes.</summary>
public sealed class KvCachePrecisionTests
{
    public static TheoryData<KvCacheType> AllTypes() => [.. Enum.GetValues<KvCacheType>().Distinct()];

    public static TheoryData<KvCacheType> CompactTypes() => [.. Enum.GetValues<KvCacheType>().Distinct().Where(t => t != KvCacheType.F32)];

    private static BitNetModel Load(KvCacheType type, ActivationQuantization activationQuantization = ActivationQuantization.Int8PerToken) =>
        BitNetModel.Load(new BitNetModelOptions { ModelPath = TinyModel.Path, ActivationQuantization = activationQuantization, KvCache = type, Threads = 2 });

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void BatchedPrefill_IsBitIdenticalToTokenByToken(KvCacheType type)
    {
        using var model = Load(type);
        // 250 tokens after a 3-token head start: full and partial prefill batches, and two attention segments.
        var random = new Random(5);
        var prompt = new int[253];
        prompt[0] = 1;
        for (var i = 1; i < prompt.Length; i++) prompt[i] = random.Next(3, 4096);

        using var batched = model.CreateSession();
        batched.Prefill(prompt.AsSpan(0, 3));
        var batchedLogits = batched.Prefill(prompt.AsSpan(3)).ToArray();

        using var stepwise = model.CreateSession();
        float[] stepLogits = [];
        for (var i = 0; i < prompt.Length; i++) stepLogits = stepwise.Evaluate(prompt[i], computeLogits: i == prompt.Length - 1).ToArray();

        Assert.Equal(stepLogits, batchedLogits);
        Assert.Equal(stepwise.Decode(412).ToArray(), batched.Decode(412).ToArray());
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void Decode_AllocatesNothingPerToken(KvCacheType type)
    {
        using var model = Load(type);
        using var session = model.CreateSession();
        session.Decode(1); // warm-up: JIT and first-call paths
        Assert.Equal(0, Allocations.Measure(() =>
        {
            for (var i = 0; i < 40; i++) session.Decode(412 + i);
        }));
    }

    [Theory]
    [MemberData(nameof(CompactTypes))]
    public void CompactCache_StaysCloseToF32(KvCacheType type)
    {
        // A loose sanity bound (the precise accuracy numbers are in docs/benchmarks.md): the next-token distribution
        // after a story prompt keeps its most likely token and moves little.
        var prompt = ReferenceOutputs.Instance.Prompts[0].PromptIds;
        using var exact = Load(KvCacheType.F32);
        using var compact = Load(type);
        using var exactSession = exact.CreateSession();
        using var compactSession = compact.CreateSession();
        var expected = exactSession.Prefill(prompt).ToArray();
        var actual = compactSession.Prefill(prompt).ToArray();
        Assert.All(actual, x => Assert.True(float.IsFinite(x)));
        Assert.Equal(Array.IndexOf(expected, expected.Max()), Array.IndexOf(actual, actual.Max()));
        var tolerance = type is KvCacheType.F16 or KvCacheType.BF16 ? 0.1f : 1f;
        Assert.InRange(expected.Zip(actual, (e, a) => MathF.Abs(e - a)).Max(), 0, tolerance);
    }

    [Theory]
    [InlineData(KvCacheType.F32, 4)]
    [InlineData(KvCacheType.F16, 2)]
    [InlineData(KvCacheType.BF16, 2)]
    [InlineData(KvCacheType.Fp8E4M3, 1)]
    [InlineData(KvCacheType.Fp8E5M2, 1)]
    public void BytesPerToken_IsExact_ForUnscaledTypes(KvCacheType type, int bytesPerElement)
    {
        using var model = Load(type);
        using var session = model.CreateSession();
        var c = model.Config;
        Assert.Equal(2L * c.BlockCount * c.KvDimension * bytesPerElement, session.KvBytesPerToken);
        Assert.Equal(session.KvBytesPerToken, model.KvBytesPerToken);
        Assert.Equal(type, session.KvCacheType);
    }

    [Fact]
    public void BytesPerToken_CountsScales()
    {
        // The 2B4T shape: 30 layers, 5 KV heads of 128.
        Assert.Equal(2L * 30 * 640 * 4, KvCacheLayout.BytesPerToken(KvCacheType.F32, 30, 5, 128));
        Assert.Equal(2L * 30 * (640 + 5 * 4), KvCacheLayout.BytesPerToken(KvCacheType.Int8, 30, 5, 128));
        Assert.Equal(2L * 30 * (320 + 20 * 4), KvCacheLayout.BytesPerToken(KvCacheType.Int4, 30, 5, 128));
        Assert.Equal(KvCacheLayout.BytesPerToken(KvCacheType.Fp8E4M3, 30, 5, 128), KvCacheLayout.BytesPerToken(KvCacheType.Fp8, 30, 5, 128));
    }

    [Fact]
    public void F32IsTheDefault_AndFp8MeansE4M3()
    {
        Assert.Equal(KvCacheType.F32, new BitNetModelOptions().KvCache);
        Assert.Equal(KvCacheType.Fp8E4M3, KvCacheType.Fp8);
    }

    [Fact]
    public void UndefinedType_IsRejectedNamingTheOption()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new BitNetModelOptions { KvCache = (KvCacheType)42 }.Validate());
        Assert.Equal("KvCache", error.ParamName);
        Assert.Contains("Fp8E4M3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Int4_WithHeadsNotMultipleOf32_IsRejected()
    {
        var error = Assert.Throws<NotSupportedException>(() => new KvCache.KvCache(1, 4, 48, 24, KvCacheType.Int4));
        Assert.Contains("32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FloatSlots_OfACompactCache_ExplainStore()
    {
        var cache = new KvCache.KvCache(1, 4, 64, 32, KvCacheType.Int8);
        var error = Assert.Throws<InvalidOperationException>(() => cache.Key(0, 0));
        Assert.Contains("Store", error.Message, StringComparison.Ordinal);
    }
}
