using BitNet.Runtime.Kernels.Ops;

namespace BitNet.Runtime.Tests.Kernels;

public class RotaryEmbeddingTests
{
    [Theory]
    [InlineData(128, 4)]  // 2B4T: whole vectors only
    [InlineData(20, 3)]   // one vector and a tail
    [InlineData(6, 5)]    // tail only
    public void Apply_IsBitIdenticalToTheScalarRotation(int headDimension, int heads)
    {
        var rope = new RotaryEmbedding(headDimension, 64, 500000f);
        var random = new Random(headDimension);
        foreach (var position in new[] { 0, 1, 17, 63 })
        {
            var x = new float[headDimension * heads];
            for (var i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 8 - 4);
            var expected = Reference(x, headDimension, position, 500000f);
            rope.Apply(x, position);
            Assert.Equal(expected, x);
        }
    }

    /// <summary>The NEOX rotation, one pair at a time, with the table's float cos/sin.</summary>
    private static float[] Reference(float[] x, int headDimension, int position, float theta)
    {
        var y = (float[])x.Clone();
        var half = headDimension / 2;
        for (var h = 0; h < x.Length; h += headDimension)
        {
            for (var i = 0; i < half; i++)
            {
                var angle = position * Math.Pow(theta, -2.0 * i / headDimension);
                float cos = (float)Math.Cos(angle), sin = (float)Math.Sin(angle);
                float x0 = x[h + i], x1 = x[h + i + half];
                y[h + i] = x0 * cos - x1 * sin;
                y[h + i + half] = x0 * sin + x1 * cos;
            }
        }
        return y;
    }
}
