using BitNet.Runtime.Gguf;
using BitNet.Runtime.Memory;
using BitNet.Runtime.Tests.Gguf;
using BitNet.Runtime.Weights;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Memory;

/// <summary>The weights live in huge-page memory (one arena for the projections, a copied embedding) and the file's pages are let go.</summary>
public sealed unsafe class LargePagesTests
{
    [Fact]
    public void Arena_HandsOut64ByteAlignedBlocksInOrder_UntilFull()
    {
        using var arena = new WeightArena(1000);
        Assert.Equal(0, (long)arena.Pointer % LargePages.HugePageSize);
        Assert.True(arena.TryAllocate(100, out var a));
        Assert.True(arena.TryAllocate(64, out var b));
        Assert.Equal((nint)arena.Pointer, (nint)a);
        Assert.Equal((nint)arena.Pointer + 128, (nint)b);
        Assert.False(arena.TryAllocate(1000 - 192 + 1, out _));
        Assert.True(arena.TryAllocate(1000 - 192, out _));
        Assert.Equal(1000, arena.Used);
    }

    [Fact]
    public void MatricesCreatedInAScope_LiveInTheArena_AndWorkAsUsual()
    {
        using var arena = new WeightArena(PackedTernaryMatrix.BytesFor(3, 300) + PackedTernaryMatrix.BytesFor(2, 256));
        PackedTernaryMatrix first, second, third, outside;
        using (PackedTernaryMatrix.AllocateIn(arena))
        {
            first = new PackedTernaryMatrix("a", 3, 300, 1f);
            second = new PackedTernaryMatrix("b", 2, 256, 1f);
            third = new PackedTernaryMatrix("c", 1, 256, 1f); // does not fit: allocates its own
        }
        outside = new PackedTernaryMatrix("d", 1, 256, 1f);

        Assert.Equal((nint)arena.Pointer, (nint)first.Codes);
        Assert.Equal((nint)arena.Pointer + (nint)first.ByteCount, (nint)second.Codes);
        Assert.True(third.Codes < arena.Pointer || third.Codes >= arena.Pointer + arena.Length);
        Assert.True(outside.Codes < arena.Pointer || outside.Codes >= arena.Pointer + arena.Length);

        var row = new sbyte[300];
        for (var k = 0; k < row.Length; k++) row[k] = (sbyte)(k % 3 - 1);
        first.SetRow(1, row);
        for (var k = 0; k < 300; k++)
        {
            Assert.Equal(0, first[0, k]);
            Assert.Equal(k % 3 - 1, first[1, k]);
        }
        Assert.Equal(0, second[1, 255]);

        first.Dispose();                 // frees nothing: the arena owns the block
        Assert.Equal(0, second[0, 0]);
        second.Dispose();
        third.Dispose();
        outside.Dispose();
    }

    [Fact]
    public void ModelProjections_LiveInOneArena_InForwardPassOrder()
    {
        using var model = TinyModel.Load();
        var arena = model.Weights.Arena;
        Assert.NotNull(arena);
        Assert.Equal(model.Weights.TernaryBytes, arena.Used);
        var expected = arena.Pointer;
        foreach (var layer in model.Weights.Layers)
            foreach (var m in layer.Projections)
            {
                Assert.True(m.Codes == expected, $"{m.Name} is not where the forward order puts it.");
                expected += m.ByteCount;
            }
        Assert.Equal(model.Weights.TernaryBytes + model.Weights.TokenEmbedding.ByteCount, model.HeldWeightBytes);
    }

    [Fact]
    public void Embedding_CopiedFromAMappedFile_EqualsTheFile_AfterItsPagesAreDropped()
    {
        using var file = GgufFile.Open(TinyModel.Path);
        var tensor = file.GetTensor("token_embd.weight");
        using var embedding = new TokenEmbedding(file, tensor);
        // The mapping still reads the same bytes (faulted back in from the page cache).
        var halves = file.GetTensorData<Half>(tensor);
        var row = new float[embedding.Dimension];
        foreach (var token in new[] { 0, 1, 2, 1000, 4095 })
        {
            embedding.CopyRow(token, row);
            for (var i = 0; i < row.Length; i++) Assert.Equal((float)halves[token * embedding.Dimension + i], row[i]);
        }
    }

    [Fact]
    public void Embedding_FromAnInMemoryImage_LeavesTheArrayIntact()
    {
        var values = new Half[4 * 256];
        for (var i = 0; i < values.Length; i++) values[i] = (Half)((i % 17 - 8) / 64f);
        var bytes = new GgufTestWriter().Add("general.architecture", "bitnet")
            .AddTensor("token_embd.weight", GgufTensorType.F16, [256, 4], System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray())
            .Build();
        var original = (byte[])bytes.Clone();
        using var file = GgufFile.Load(bytes);
        using var embedding = new TokenEmbedding(file, file.GetTensor("token_embd.weight"));
        Assert.Equal(original, bytes); // dropping pages must never touch managed memory
        var row = new float[256];
        embedding.CopyRow(3, row);
        for (var i = 0; i < 256; i++) Assert.Equal((float)values[3 * 256 + i], row[i]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(1023)]
    public void Embedding_WithANonFiniteValue_IsRejected(int at)
    {
        var values = new Half[4 * 256];
        values[at] = at % 2 == 0 ? Half.NaN : Half.NegativeInfinity;
        var bytes = new GgufTestWriter().Add("general.architecture", "bitnet")
            .AddTensor("token_embd.weight", GgufTensorType.F16, [256, 4], System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray())
            .Build();
        using var file = GgufFile.Load(bytes);
        var error = Assert.Throws<GgufFormatException>(() => new TokenEmbedding(file, file.GetTensor("token_embd.weight")));
        Assert.Contains("NaN or infinite", error.Message, StringComparison.Ordinal);
    }
}
