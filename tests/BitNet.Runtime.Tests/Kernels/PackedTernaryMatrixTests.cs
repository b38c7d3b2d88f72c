using BitNet.Runtime.Weights;

namespace BitNet.Runtime.Tests.Kernels;

public sealed class PackedTernaryMatrixTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 100)]
    [InlineData(2, 256)]
    [InlineData(5, 300)]
    [InlineData(4, 2560)]
    public void SetRow_RoundTripsEveryValue(int rows, int columns)
    {
        var random = new Random(rows * 1000 + columns);
        using var matrix = new PackedTernaryMatrix("t", rows, columns, 0.5f);
        var values = new sbyte[rows, columns];
        var row = new sbyte[columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++) row[c] = values[r, c] = (sbyte)(random.Next(3) - 1);
            matrix.SetRow(r, row);
        }
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++)
                Assert.Equal(values[r, c], matrix[r, c]);
        Assert.Equal((columns + 255) / 256 * 256, matrix.PaddedColumns);
        Assert.Equal(matrix.PaddedColumns / 4, matrix.RowBytes);
        // Padding holds code 1 (value 0), so it adds nothing to any dot product.
        var last = matrix.Row(rows - 1);
        for (var k = columns; k < matrix.PaddedColumns; k++)
            Assert.Equal(1, (last[k / 256 * 64 + k % 64] >> (k % 256 / 64 * 2)) & 3);
    }

    [Fact]
    public void Layout_IsTheDocumentedOne()
    {
        // Element 256j + m + 64g sits in byte 64j + m at bits 2g.
        using var matrix = new PackedTernaryMatrix("t", 1, 512, 1f);
        var row = new sbyte[512];
        row[256 + 5 + 64 * 3] = 1;   // j = 1, m = 5, g = 3 → byte 69, bits 6-7 = code 2
        row[7] = -1;                 // j = 0, m = 7, g = 0 → byte 7, bits 0-1 = code 0
        matrix.SetRow(0, row);
        var bytes = matrix.Row(0);
        Assert.Equal(0b10_01_01_01, bytes[69]);
        Assert.Equal(0b01_01_01_00, bytes[7]);
    }

    [Fact]
    public void NonTernaryValue_IsRejected()
    {
        using var matrix = new PackedTernaryMatrix("t", 1, 4, 1f);
        Assert.Throws<ArgumentException>(() => matrix.SetRow(0, [0, 2, 0, 0]));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-2)]
    [InlineData(sbyte.MinValue)]
    [InlineData(sbyte.MaxValue)]
    public void NonTernaryValueInAWholeChunk_IsRejectedByPosition(sbyte bad)
    {
        using var matrix = new PackedTernaryMatrix("t", 2, 768, 1f);
        var row = new sbyte[768];
        row[300] = bad;
        var ex = Assert.Throws<ArgumentException>(() => matrix.SetRow(1, row));
        Assert.Contains("row 1 column 300", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetRow_OverwritesAPreviousRow()
    {
        using var matrix = new PackedTernaryMatrix("t", 1, 600, 1f);
        var row = new sbyte[600];
        Array.Fill(row, (sbyte)-1);
        matrix.SetRow(0, row);
        Array.Fill(row, (sbyte)1);
        row[599] = 0;
        row[17] = 0;
        matrix.SetRow(0, row);
        for (var k = 0; k < 600; k++) Assert.Equal(row[k], matrix[0, k]);
    }
}
