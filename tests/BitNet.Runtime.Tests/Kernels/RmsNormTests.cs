using BitNet.Runtime.Kernels.Ops;

namespace BitNet.Runtime.Tests.Kernels;

/// <summary>RMSNorm's vectorized sum of squares against the plain loop, and the norm against its definition.</summary>
public sealed class RmsNormTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(255)]
    [InlineData(2560)]
    [InlineData(6912)]
    [InlineData(6913)]
    public void SumOfSquares_MatchesThePlainLoop(int length)
    {
        var random = new Random(length);
        foreach (var spread in new[] { 1e-3f, 1f, 300f })
        {
            var x = new float[length];
            for (var i = 0; i < length; i++) x[i] = (float)(random.NextDouble() * 2 - 1) * spread;
            var expected = RmsNorm.SumOfSquares(x, vectorized: false);
            var actual = RmsNorm.SumOfSquares(x);
            // Both sum exact float squares in double; only the order differs, so they agree to double rounding.
            Assert.True(Math.Abs(actual - expected) <= 1e-13 * expected, $"length {length}, spread {spread}: {actual} vs {expected}");
        }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(2560)]
    public void Apply_NormalizesInPlaceAndIntoAnotherSpan(int length)
    {
        var random = new Random(3);
        var x = new float[length];
        var weight = new float[length];
        for (var i = 0; i < length; i++)
        {
            x[i] = (float)(random.NextDouble() * 2 - 1) * 5;
            weight[i] = (float)random.NextDouble() + 0.5f;
        }
        const float epsilon = 1e-5f;
        double sumSquares = 0;
        foreach (var v in x) sumSquares += (double)v * v;
        var inverseRms = 1.0 / Math.Sqrt(sumSquares / length + epsilon);

        var y = new float[length];
        RmsNorm.Apply(x, weight, epsilon, y);
        var inPlace = (float[])x.Clone();
        RmsNorm.Apply(inPlace, weight, epsilon, inPlace);
        for (var i = 0; i < length; i++)
        {
            var expected = x[i] * inverseRms * weight[i];
            Assert.True(Math.Abs(y[i] - expected) <= 1e-6 * Math.Abs(expected) + 1e-7, $"element {i}: {y[i]} vs {expected}");
            Assert.Equal(y[i], inPlace[i]);
        }
    }

    [Fact]
    public void Apply_RefusesMismatchedLengths()
    {
        var error = Assert.Throws<ArgumentException>(() => RmsNorm.Apply(new float[4], new float[3], 1e-5f, new float[4]));
        Assert.Contains("lengths differ", error.Message);
    }
}
