using BitNet.Runtime.KvCache;
using BitNet.Tests;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace BitNet.Extensions.AI.Tests;

/// <summary>Every KV cache precision, selected the way users select it, answers through <see cref="IChatClient"/>.</summary>
public sealed class KvCacheEndToEndTests
{
    public static TheoryData<KvCacheType> AllTypes() =>
        [KvCacheType.F32, KvCacheType.F16, KvCacheType.BF16, KvCacheType.Fp8E4M3, KvCacheType.Fp8E5M2, KvCacheType.Int8, KvCacheType.Int4];

    [Theory]
    [MemberData(nameof(AllTypes))]
    public async Task AddBitNetChatClient_WithEachKvCacheType_Answers(KvCacheType type)
    {
        var services = new ServiceCollection();
        services.AddBitNetChatClient(o =>
        {
            o.ModelPath = TinyModel.Path;
            o.KvCache = type;
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();

        var response = await client.GetResponseAsync("Once upon a time", new ChatOptions { Temperature = 0, MaxOutputTokens = 24 });

        Assert.False(string.IsNullOrWhiteSpace(response.Text));
        Assert.Equal(24, response.Usage?.OutputTokenCount);
        var runtime = provider.GetRequiredService<BitNetRuntime>();
        Assert.Equal(type, runtime.Model.KvCacheType);
    }

    [Fact]
    public void Fp8_IsTheE4M3Format()
    {
        Assert.Equal(KvCacheType.Fp8E4M3, KvCacheType.Fp8);
        using var runtime = BitNetRuntime.Load(new BitNetChatClientOptions { ModelPath = TinyModel.Path, KvCache = KvCacheType.Fp8 });
        Assert.Equal(KvCacheType.Fp8E4M3, runtime.Model.KvCacheType);
    }
}
