using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Attention;
using BitNet.Runtime.KvCache;

namespace BitNet.Runtime.Tests.Kernels;

/// <summary>Every compact KV format's vector decoders and fused kernels against the scalar reference, on every path this CPU has.</summary>
public sealed unsafe class KvAttentionKernelTests
{
    public static TheoryData<KvCacheType, KernelPath> TypesAndPaths()
    {
        var data = new TheoryData<KvCacheType, KernelPath>();
        foreach (var type in CompactTypes)
            foreach (var path in KvRowKernels.Supported)
                data.Add(type, path);
        return data;
    }

    private static readonly KvCacheType[] CompactTypes =
        [KvCacheType.F16, KvCacheType.BF16, KvCacheType.Fp8E4M3, KvCacheType.Fp8E5M2, KvCacheType.Int8, KvCacheType.Int4];

    [Fact]
    public void VectorDecoders_MatchTheReference_ForEveryCode()
    {
        // All 8-bit codes (but NaN, which the quantizers only produce from NaN) and all finite 16-bit codes.
        CheckDecoders<Fp8E4M3KvFormat>(Codes8(c => (c & 0x7F) != 0x7F));
        CheckDecoders<Fp8E5M2KvFormat>(Codes8(c => (c & 0x7F) <= 0x7B));
        CheckDecoders<Int8KvFormat>(Codes8(_ => true));
        CheckDecoders<Int4KvFormat>(Codes8(_ => true));
        CheckDecoders<Float16KvFormat>(Codes16(c => (c & 0x7C00) != 0x7C00));
        CheckDecoders<BFloat16KvFormat>(Codes16(c => (c & 0x7F80) != 0x7F80));
    }

    private static byte[] Codes8(Func<int, bool> keep) => [.. Enumerable.Range(0, 256).Where(keep).Select(c => (byte)c)];

    private static byte[] Codes16(Func<int, bool> keep) =>
        [.. Enumerable.Range(0, 65536).Where(keep).SelectMany(c => BitConverter.GetBytes((ushort)c))];

    private static void CheckDecoders<TFormat>(byte[] codes) where TFormat : struct, IKvElementFormat
    {
        // Whole groups of 32 elements so that Int4's nibble layout is respected; pad with code 0.
        var elementBytes = TFormat.Type switch { KvCacheType.F16 or KvCacheType.BF16 => 2, KvCacheType.Int4 => 0, _ => 1 };
        var elements = elementBytes == 0 ? codes.Length * 2 : codes.Length / elementBytes;
        elements = (elements + 31) / 32 * 32;
        var buffer = new byte[elementBytes == 0 ? elements / 2 : elements * elementBytes];
        codes.CopyTo(buffer, 0);
        var results = new float[16];
        fixed (byte* c = buffer)
        fixed (float* r = results)
        {
            for (var i = 0; i < elements; i += 16)
            {
                if (Avx512F.IsSupported)
                {
                    TFormat.Decode16(c, i).Store(r);
                    for (var j = 0; j < 16; j++) Assert.Equal(TFormat.Decode(c, i + j), results[j]);
                }
                if (Avx2.IsSupported)
                {
                    TFormat.Decode8(c, i).Store(r);
                    TFormat.Decode8(c, i + 8).Store(r + 8);
                    for (var j = 0; j < 16; j++) Assert.Equal(TFormat.Decode(c, i + j), results[j]);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(TypesAndPaths))]
    public void DotAndAccumulate_MatchTheScalarReference(KvCacheType type, KernelPath path)
    {
        var random = new Random(11);
        int[] lengths = type == KvCacheType.Int4 ? [32, 64, 96, 128, 256] : [1, 5, 7, 8, 15, 16, 17, 31, 33, 64, 100, 128, 129];
        foreach (var length in lengths)
        {
            var row = RandomVector(random, length, 3f);
            var q = RandomVector(random, length, 1f);
            var codes = new byte[length * 4];
            var scales = new float[Math.Max(1, length / 32)];
            fixed (byte* c = codes)
            fixed (float* s = scales, qp = q)
            {
                Encode(type, row, c, s);
                var expected = Dot(type, qp, c, s, length, KernelPath.Scalar);
                var actual = Dot(type, qp, c, s, length, path);
                var magnitude = 0f;
                for (var i = 0; i < length; i++) magnitude += MathF.Abs(q[i] * row[i]);
                Assert.True(MathF.Abs(expected - actual) <= 1e-5f * magnitude + 1e-6f, $"{type} {path} dot of {length}: {expected} vs {actual}");

                var expectedOut = RandomVector(new Random(length), length, 1f);
                var actualOut = (float[])expectedOut.Clone();
                fixed (float* e = expectedOut, a = actualOut)
                {
                    Accumulate(type, e, c, s, 0.37f, length, KernelPath.Scalar);
                    Accumulate(type, a, c, s, 0.37f, length, path);
                }
                for (var i = 0; i < length; i++)
                    Assert.True(MathF.Abs(expectedOut[i] - actualOut[i]) <= 1e-6f * (1 + MathF.Abs(expectedOut[i])), $"{type} {path} accumulate of {length} at {i}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TypesAndPaths))]
    public void SegmentedOnlineSoftmax_MatchesPlainSoftmaxOverDequantizedRows(KvCacheType type, KernelPath path)
    {
        const int heads = 2, headDim = 64, kvDim = heads * headDim;
        var random = new Random(21);
        foreach (var count in new[] { 1, 31, 33, 128, 129, 300 })
        {
            var cache = new KvCache.KvCache(1, count, kvDim, headDim, type);
            var keys = new float[count][];
            var values = new float[count][];
            for (var p = 0; p < count; p++)
            {
                keys[p] = RandomVector(random, kvDim, 2f);
                values[p] = RandomVector(random, kvDim, 2f);
                cache.Store(0, p, keys[p], values[p]);
            }
            var q = RandomVector(random, headDim, 1f);
            var scale = 1f / MathF.Sqrt(headDim);
            var layer = cache.Layer(0);
            const int kvHead = 1;

            // Reference: dequantize with the scalar decoder, full softmax in double.
            var scores = new double[count];
            var dequantizedValues = new double[count][];
            fixed (float* qp = q)
            {
                for (var p = 0; p < count; p++)
                {
                    var k = Dequantize(type, layer, p, kvHead, heads, headDim, keys: true);
                    dequantizedValues[p] = Dequantize(type, layer, p, kvHead, heads, headDim, keys: false);
                    scores[p] = k.Select((x, i) => x * q[i]).Sum() * scale;
                }
            }
            var max = scores.Max();
            var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
            var total = weights.Sum();
            var expected = new double[headDim];
            for (var p = 0; p < count; p++)
                for (var i = 0; i < headDim; i++) expected[i] += weights[p] / total * dequantizedValues[p][i];

            var segments = CompactAttention.Segments(count);
            var stride = CompactAttention.PartialLength(headDim);
            var partials = new float[segments * stride];
            var output = new float[headDim];
            fixed (float* qp = q, pp = partials, o = output)
            {
                for (var s = 0; s < segments; s++)
                {
                    var first = s * CompactAttention.SegmentLength;
                    CompactAttention.Segment(type, layer, heads, kvHead, headDim, qp, first, Math.Min(count, first + CompactAttention.SegmentLength), scale, pp + s * stride, path);
                }
                CompactAttention.Merge(pp, segments, headDim, o);
            }
            for (var i = 0; i < headDim; i++)
                Assert.True(Math.Abs(expected[i] - output[i]) <= 1e-4, $"{type} {path} count {count} element {i}: {expected[i]} vs {output[i]}");
        }
    }

    internal static double[] Dequantize(KvCacheType type, KvLayerView layer, int position, int kvHead, int heads, int headDim, bool keys)
    {
        var codes = (keys ? layer.KeyCodes : layer.ValueCodes) + (long)position * layer.RowBytes + kvHead * (layer.RowBytes / heads);
        var scaleBase = keys ? layer.KeyScales : layer.ValueScales;
        var scales = scaleBase == null ? null : scaleBase + (long)position * layer.RowScales + kvHead * (layer.RowScales / heads);
        var result = new double[headDim];
        for (var i = 0; i < headDim; i++)
        {
            double value = type switch
            {
                KvCacheType.F16 => Float16KvFormat.Decode(codes, i),
                KvCacheType.BF16 => BFloat16KvFormat.Decode(codes, i),
                KvCacheType.Fp8E4M3 => Fp8E4M3KvFormat.Decode(codes, i),
                KvCacheType.Fp8E5M2 => Fp8E5M2KvFormat.Decode(codes, i),
                KvCacheType.Int8 => Int8KvFormat.Decode(codes, i) * (double)scales[0],
                _ => Int4KvFormat.Decode(codes, i) * (double)scales[i / 32],
            };
            result[i] = value;
        }
        return result;
    }

    private static float[] RandomVector(Random random, int length, float range) =>
        [.. Enumerable.Range(0, length).Select(_ => (random.NextSingle() * 2 - 1) * range)];

    private static void Encode(KvCacheType type, float[] row, byte* codes, float* scales)
    {
        switch (type)
        {
            case KvCacheType.F16: Float16KvFormat.Encode(row, codes, scales); break;
            case KvCacheType.BF16: BFloat16KvFormat.Encode(row, codes, scales); break;
            case KvCacheType.Fp8E4M3: Fp8E4M3KvFormat.Encode(row, codes, scales); break;
            case KvCacheType.Fp8E5M2: Fp8E5M2KvFormat.Encode(row, codes, scales); break;
            case KvCacheType.Int8: Int8KvFormat.Encode(row, codes, scales); break;
            default: Int4KvFormat.Encode(row, codes, scales); break;
        }
    }

    private static float Dot(KvCacheType type, float* q, byte* codes, float* scales, int length, KernelPath path) => type switch
    {
        KvCacheType.F16 => KvRowKernels.Dot<Float16KvFormat>(q, codes, scales, length, path),
        KvCacheType.BF16 => KvRowKernels.Dot<BFloat16KvFormat>(q, codes, scales, length, path),
        KvCacheType.Fp8E4M3 => KvRowKernels.Dot<Fp8E4M3KvFormat>(q, codes, scales, length, path),
        KvCacheType.Fp8E5M2 => KvRowKernels.Dot<Fp8E5M2KvFormat>(q, codes, scales, length, path),
        KvCacheType.Int8 => KvRowKernels.Dot<Int8KvFormat>(q, codes, scales, length, path),
        _ => KvRowKernels.Dot<Int4KvFormat>(q, codes, scales, length, path),
    };

    private static void Accumulate(KvCacheType type, float* o, byte* codes, float* scales, float weight, int length, KernelPath path)
    {
        switch (type)
        {
            case KvCacheType.F16: KvRowKernels.Accumulate<Float16KvFormat>(o, codes, scales, weight, length, path); break;
            case KvCacheType.BF16: KvRowKernels.Accumulate<BFloat16KvFormat>(o, codes, scales, weight, length, path); break;
            case KvCacheType.Fp8E4M3: KvRowKernels.Accumulate<Fp8E4M3KvFormat>(o, codes, scales, weight, length, path); break;
            case KvCacheType.Fp8E5M2: KvRowKernels.Accumulate<Fp8E5M2KvFormat>(o, codes, scales, weight, length, path); break;
            case KvCacheType.Int8: KvRowKernels.Accumulate<Int8KvFormat>(o, codes, scales, weight, length, path); break;
            default: KvRowKernels.Accumulate<Int4KvFormat>(o, codes, scales, weight, length, path); break;
        }
    }
}
