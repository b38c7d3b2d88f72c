using BenchmarkDotNet.Attributes;
using BitNet.Runtime.Kernels.Activations;
using BitNet.Runtime.Kernels.Ops;
using BitNet.Runtime.Weights;

namespace BitNet.Benchmarks;

/// <summary>
/// The reference (float-expanded ternary) kernels at the tiny model's and 2B4T's decode shapes. These are the
/// baseline the packed ternary kernels must beat.
/// </summary>
[MemoryDiagnoser]
public class ReferenceKernelBenchmarks
{
    private TernaryMatrix _matrix = null!;
    private float[] _x = null!;
    private float[] _y = null!;
    private float[] _quantized = null!;
    private float[] _weight = null!;
    private RotaryEmbedding _rope = null!;

    /// <summary>Input features → output features.</summary>
    [Params("256x256", "2560x2560", "2560x6912", "6912x2560")]
    public string Shape { get; set; } = "256x256";

    [GlobalSetup]
    public void Setup()
    {
        var parts = Shape.Split('x');
        int columns = int.Parse(parts[0]), rows = int.Parse(parts[1]);
        var random = new Random(42);
        var values = new float[rows * columns];
        for (var i = 0; i < values.Length; i++) values[i] = random.Next(3) - 1;
        _matrix = new TernaryMatrix("bench", rows, columns, values, 0.025f);
        _x = new float[columns];
        for (var i = 0; i < _x.Length; i++) _x[i] = (float)(random.NextDouble() * 2 - 1);
        _y = new float[rows];
        _quantized = new float[columns];
        _weight = new float[columns];
        Array.Fill(_weight, 1f);
        _rope = new RotaryEmbedding(128, 4096, 500000f);
    }

    [Benchmark(Description = "ternary GEMV (float activations)")]
    public void TernaryGemv() => _matrix.MultiplyVector(_x, _y, _matrix.Scale);

    [Benchmark(Description = "int8 activation quantization")]
    public float QuantizeActivations() => Int8Activations.Quantize(_x, _quantized);

    [Benchmark(Description = "RMSNorm")]
    public void Norm() => RmsNorm.Apply(_x, _weight, 1e-5f, _x);

    [Benchmark(Description = "RoPE (NEOX, head 128)")]
    public void Rope() => _rope.Apply(_x.AsSpan(0, _x.Length / 128 * 128), 1000);
}
