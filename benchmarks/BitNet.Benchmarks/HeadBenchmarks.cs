using BenchmarkDotNet.Attributes;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Float16;

namespace BitNet.Benchmarks;

/// <summary>The F16 tied LM head of 2B4T (128256 × 2560 halves, 657 MB: always from DRAM), one thread per call.</summary>
[MemoryDiagnoser]
public unsafe class HeadBenchmarks
{
    private const int Vocabulary = 128256, Dimension = 2560;
    private ushort* _weights;
    private float* _x;
    private float[] _logits = [];

    [Params(KernelPath.Avx512, KernelPath.Avx2, KernelPath.Scalar)]
    public KernelPath Path { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _weights = (ushort*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)Vocabulary * Dimension * 2, 64);
        _x = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(Dimension * 4, 64);
        var random = new Random(1);
        for (long i = 0; i < (long)Vocabulary * Dimension; i++) _weights[i] = BitConverter.HalfToUInt16Bits((Half)(random.NextDouble() * 0.1 - 0.05));
        for (var i = 0; i < Dimension; i++) _x[i] = (float)random.NextDouble();
        _logits = new float[Vocabulary];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        System.Runtime.InteropServices.NativeMemory.AlignedFree(_weights);
        System.Runtime.InteropServices.NativeMemory.AlignedFree(_x);
    }

    [Benchmark(Description = "F16 head 2560→128256, 1 thread")]
    public void Head()
    {
        for (var v = 0; v < Vocabulary; v++) _logits[v] = HalfDot.Dot(_weights + (long)v * Dimension, _x, Dimension, Path);
    }
}
