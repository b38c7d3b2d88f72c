using BitNet.Runtime.Kernels.Ternary;

namespace BitNet.Runtime.Tests.Kernels;

public sealed unsafe class ScaledDotsTests
{
    [Fact]
    public void Store_IsBitIdenticalToTheScalarFormula()
    {
        // Every length to 40 (vector bodies and tails); sums past 2^24, where the int → float conversion rounds.
        var random = new Random(3);
        for (var count = 0; count <= 40; count++)
        {
            var dots = new int[count];
            for (var i = 0; i < count; i++) dots[i] = random.Next(-(1 << 26), 1 << 26);
            var sum = random.Next(-(1 << 20), 1 << 20);
            var scale = (float)(random.NextDouble() * 0.01);
            var actual = new float[count];
            fixed (int* d = dots)
            fixed (float* y = actual)
                ScaledDots.Store(d, count, sum, scale, y);
            for (var i = 0; i < count; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits((dots[i] - sum) * scale), BitConverter.SingleToInt32Bits(actual[i]));
        }
    }
}
