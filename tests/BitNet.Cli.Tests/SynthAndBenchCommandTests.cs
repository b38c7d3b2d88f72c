using System.Text.Json;
using BitNet.Runtime;
using BitNet.Runtime.Gguf;

namespace BitNet.Cli.Tests;

public sealed class SynthAndBenchCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bitnet-cli-synth-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("i2_s", GgufTensorType.I2_S, 40u)]
    [InlineData("tq2_0", GgufTensorType.TQ2_0, 37u)]
    [InlineData("tq1_0", GgufTensorType.TQ1_0, 36u)]
    [InlineData("f16", GgufTensorType.F16, 1u)]
    public async Task SynthTiny_WritesAModelThatLoadsAndGenerates(string format, GgufTensorType type, uint fileType)
    {
        var path = Path.Combine(_directory, $"tiny-{format}.gguf");
        var run = await CliRunner.RunAsync("synth", "--shape", "tiny", "--format", format, "-o", path, "--seed", "5");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("wrote", run.Out, StringComparison.Ordinal);

        using (var model = BitNetModel.Load(new BitNetModelOptions { ModelPath = path, ContextLength = 32, Threads = 1 }))
        {
            Assert.Equal("bitnet-25", model.Config.Architecture);
            Assert.Equal(fileType, (uint)model.File.Metadata["general.file_type"].AsInt64());
            Assert.Equal(type, model.File.GetTensor("blk.4.ffn_down.weight").Type);
        }

        var generate = await CliRunner.RunAsync("generate", "Once upon a time", "-m", path, "-n", "4", "-t", "0", "-c", "32", "--json");
        Assert.True(generate.ExitCode == 0, generate.ToString());
        using var doc = JsonDocument.Parse(generate.Out);
        Assert.Equal(4, doc.RootElement.GetProperty("ids").GetArrayLength());
    }

    [Theory]
    [InlineData("q8_0", GgufTensorType.Q8_0, 4096L * 256 / 32 * 34)]
    [InlineData("q6_k", GgufTensorType.Q6_K, 4096L * 256 / 256 * 210)]
    public async Task SynthHead_WritesThatHeadType_AndBenchReportsIt(string head, GgufTensorType type, long bytes)
    {
        var path = Path.Combine(_directory, $"tiny-{head}.gguf");
        var run = await CliRunner.RunAsync("synth", "--shape", "tiny", "--format", "i2_s", "--head", head, "-o", path);
        Assert.True(run.ExitCode == 0, run.ToString());
        using (var file = GgufFile.Open(path))
            Assert.Equal(type, file.GetTensor("token_embd.weight").Type);

        var bench = await CliRunner.RunAsync("bench", path, "--prompt", "4", "--gen", "4", "-r", "1", "-t", "1", "--json");
        Assert.True(bench.ExitCode == 0, bench.ToString());
        using var doc = JsonDocument.Parse(bench.Out);
        Assert.Equal(type.ToString(), doc.RootElement.GetProperty("head_type").GetString());
        Assert.True(doc.RootElement.GetProperty("head_tied").GetBoolean());
        Assert.Equal(bytes, doc.RootElement.GetProperty("head_bytes_per_token").GetInt64());
    }

    [Fact]
    public async Task Synth_SameSeedSameBytes_AndOptionsReachTheFile()
    {
        var a = Path.Combine(_directory, "a.gguf");
        var b = Path.Combine(_directory, "b.gguf");
        Assert.Equal(0, (await CliRunner.RunAsync("synth", "--shape", "tiny", "-f", "tq2_0", "-o", a, "-s", "9", "--arch", "bitnet-b1.58", "-c", "128")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("synth", "--shape", "tiny", "-f", "tq2_0", "-o", b, "-s", "9", "--arch", "bitnet-b1.58", "-c", "128")).ExitCode);
        Assert.Equal(await File.ReadAllBytesAsync(a), await File.ReadAllBytesAsync(b));
        using var file = GgufFile.Open(a);
        Assert.Equal("bitnet-b1.58", file.Architecture);
        Assert.Equal(128, file.Metadata.GetInt32("bitnet-b1.58.context_length"));
    }

    [Theory]
    [InlineData("--format", "q4_0", "--format")]
    [InlineData("--head", "q4_0", "--head")]
    [InlineData("--shape", "7b", "--shape")]
    [InlineData("--arch", "llama", "--arch")]
    [InlineData("--context", "0", "--context")]
    public async Task Synth_BadOption_IsAUsageError(string option, string value, string mention)
    {
        var run = await CliRunner.RunAsync("synth", "--shape", "tiny", "-o", Path.Combine(_directory, "x.gguf"), option, value);
        CliRunner.AssertOneLineError(run, 2, mention);
        Assert.False(File.Exists(Path.Combine(_directory, "x.gguf")));
    }

    [Fact]
    public async Task Synth_WithoutOutput_IsAUsageError()
    {
        var run = await CliRunner.RunAsync("synth", "--shape", "tiny");
        CliRunner.AssertOneLineError(run, 2, "--output");
    }

    [Fact]
    public async Task Bench_OnATinySyntheticModel_PrintsEveryField()
    {
        var path = Path.Combine(_directory, "bench.gguf");
        Assert.Equal(0, (await CliRunner.RunAsync("synth", "--shape", "tiny", "-f", "i2_s", "-o", path)).ExitCode);

        var table = await CliRunner.RunAsync("bench", path, "--prompt", "16", "--gen", "4", "--threads", "1", "-r", "2", "--kernel", "auto");
        Assert.True(table.ExitCode == 0, table.ToString());
        foreach (var field in new[] { "prefill tok/s", "decode tok/s", "time to first token", "peak RSS", "weight bytes / token", "KV bytes / token",
                                      "effective decode GB/s", "load time", "kernel", "threads", "I2_S", "best", "median" })
            Assert.Contains(field, table.Out, StringComparison.Ordinal);
        Assert.Contains("run 2/2", table.Error, StringComparison.Ordinal);

        var json = await CliRunner.RunAsync("bench", "--model", path, "-p", "8", "-n", "3", "-t", "1", "-r", "3", "--json", "--kernel", "scalar", "--act-quant", "none");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = JsonDocument.Parse(json.Out);
        var root = doc.RootElement;
        Assert.Equal("Scalar", root.GetProperty("kernel").GetString());
        Assert.Equal("none", root.GetProperty("act_quant").GetString());
        Assert.Equal(1, root.GetProperty("threads").GetInt32());
        Assert.Equal(11, root.GetProperty("context").GetInt32());
        Assert.Equal(3, root.GetProperty("runs").GetArrayLength());
        // 2 bits per weight: 5 layers × 256 × (256 + 128 + 128 + 256 + 512 + 512 + 512) weights / 4.
        Assert.Equal(5 * 256L * 2304 / 4, root.GetProperty("ternary_bytes").GetInt64());
        Assert.Equal(4096L * 256 * 2, root.GetProperty("embedding_bytes").GetInt64());
        Assert.Equal(root.GetProperty("ternary_bytes").GetInt64() + root.GetProperty("embedding_bytes").GetInt64(), root.GetProperty("weight_bytes_per_token").GetInt64());
        Assert.Equal(2L * 5 * 128 * 4, root.GetProperty("kv_bytes_per_token").GetInt64());
        Assert.True(root.GetProperty("peak_rss_bytes").GetInt64() > 1 << 20);
        Assert.True(root.GetProperty("load_ms").GetDouble() > 0);
        foreach (var stat in new[] { "prefill_tokens_per_second", "decode_tokens_per_second", "time_to_first_token_ms", "decode_gb_per_second" })
        {
            var s = root.GetProperty(stat);
            Assert.True(s.GetProperty("best").GetDouble() > 0, stat);
            Assert.True(s.GetProperty("median").GetDouble() > 0, stat);
        }
        Assert.True(root.GetProperty("prefill_tokens_per_second").GetProperty("best").GetDouble() >= root.GetProperty("prefill_tokens_per_second").GetProperty("median").GetDouble());
        Assert.True(root.GetProperty("time_to_first_token_ms").GetProperty("best").GetDouble() <= root.GetProperty("time_to_first_token_ms").GetProperty("median").GetDouble());
    }

    [Fact]
    public async Task Bench_KvCacheAndDepths_ReachTheReport()
    {
        var path = Path.Combine(_directory, "bench-kv.gguf");
        Assert.Equal(0, (await CliRunner.RunAsync("synth", "--shape", "tiny", "-f", "i2_s", "-o", path)).ExitCode);
        var json = await CliRunner.RunAsync("bench", path, "-p", "12", "-n", "3", "-t", "1", "-r", "1", "--json", "--kv-cache", "int8", "--depth", "4,12");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = JsonDocument.Parse(json.Out);
        var root = doc.RootElement;
        Assert.Equal("int8", root.GetProperty("kv_cache").GetString());
        // 5 layers, keys and values: 128 int8 codes plus one float scale per KV head.
        var perToken = root.GetProperty("kv_bytes_per_token").GetInt64();
        Assert.Equal(2L * 5 * (128 + 4 * (128 / root.GetProperty("kv_head_dimension").GetInt32())), perToken);
        Assert.Equal(perToken * 15, root.GetProperty("kv_bytes_at_context").GetInt64());
        var depths = root.GetProperty("decode_at_depth");
        Assert.Equal(2, depths.GetArrayLength());
        Assert.Equal(12, depths[1].GetProperty("depth").GetInt32());
        Assert.True(depths[0].GetProperty("best").GetDouble() > 0);
    }

    [Fact]
    public async Task Bench_Int8Head_ReportsTheReencodedHeadAndItsBytes()
    {
        // The shipped model's tied F16 table: 4096 × 256, re-encoded as Q8_0 (34 bytes per 32 values).
        var json = await CliRunner.RunAsync("bench", "-p", "8", "-n", "3", "-t", "1", "-r", "1", "--json", "--head-quant", "int8");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = JsonDocument.Parse(json.Out);
        var root = doc.RootElement;
        Assert.Equal("Q8_0 (from F16)", root.GetProperty("head_type").GetString());
        Assert.True(root.GetProperty("head_tied").GetBoolean());
        Assert.Equal(4096L * 256 / 32 * 34, root.GetProperty("head_bytes_per_token").GetInt64());
    }

    [Theory]
    [InlineData("--head-quant", "int4", "--head-quant")]
    [InlineData("--kv-cache", "fp7", "--kv-cache")]
    [InlineData("--depth", "x", "--depth")]
    [InlineData("--kernel", "sse9", "--kernel")]
    [InlineData("--prompt", "0", "--prompt")]
    [InlineData("--gen", "-1", "--gen")]
    [InlineData("--repetitions", "0", "--repetitions")]
    [InlineData("--threads", "0", "--threads")]
    public async Task Bench_BadOption_IsAUsageError(string option, string value, string mention)
    {
        var run = await CliRunner.RunAsync("bench", option, value);
        CliRunner.AssertOneLineError(run, 2, mention);
    }

    [Fact]
    public async Task Bench_ContextSmallerThanTheRun_IsAOneLineError()
    {
        var run = await CliRunner.RunAsync("bench", "-p", "8", "-n", "8", "-c", "10");
        CliRunner.AssertOneLineError(run, 1, "--context");
    }
}
