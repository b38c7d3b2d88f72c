using BitNet.Runtime.Gguf;
using BitNet.Runtime.Weights.Float;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Weights;

public sealed class FloatTensorReaderTests
{
    [Fact]
    public void AlreadyTernaryMaster_IsRecoveredAsSignTimesMax()
    {
        using var file = GgufFile.Open(TinyModel.Path);
        var tensor = file.GetTensor("blk.0.attn_q.weight");
        var raw = FloatTensorReader.ReadAll(file, tensor);
        using var matrix = FloatTernaryWeights.Load(file, tensor);

        // The model card: blk.0.attn_q holds exactly {-s, 0, +s} with s = 0.02587891 (F16), about 68% non-zero.
        Assert.Equal(0.02587891f, matrix.Scale, 1e-7f);
        var nonZero = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            Assert.Equal(raw[i], matrix[i / matrix.Columns, i % matrix.Columns] * matrix.Scale);
            if (matrix[i / matrix.Columns, i % matrix.Columns] != 0) nonZero++;
        }
        Assert.InRange(nonZero / (double)raw.Length, 0.6, 0.75);
        Assert.Equal(256, matrix.Rows);
        Assert.Equal(256, matrix.Columns);
    }

    [Fact]
    public void EveryProjectionOfTheShippedModel_IsExactlyTernary()
    {
        using var file = GgufFile.Open(TinyModel.Path);
        foreach (var tensor in file.Tensors)
        {
            if (tensor.Dimensions.Count != 2 || tensor.Name == "token_embd.weight") continue;
            var raw = FloatTensorReader.ReadAll(file, tensor);
            using var matrix = FloatTernaryWeights.Load(file, tensor);
            for (var i = 0; i < raw.Length; i++)
                Assert.Equal(raw[i], matrix[i / matrix.Columns, i % matrix.Columns] * matrix.Scale);
        }
    }
}
