using BitNet.Tests;
using Microsoft.Extensions.Logging;

namespace BitNet.Extensions.AI.Tests;

public sealed class BitNetRuntimeTests
{
    [Fact]
    public void Load_LogsTheModelItLoaded()
    {
        var logger = new CollectingLogger();
        using var runtime = BitNetRuntime.Load(new BitNetChatClientOptions { ModelPath = TinyModel.Path, MaxConcurrentRequests = 2 }, logger);

        var (level, message, _) = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Information, level);
        Assert.Contains(runtime.Model.ModelId, message, StringComparison.Ordinal);
        Assert.Contains(TinyModel.Path, message, StringComparison.Ordinal);
        Assert.Contains("up to 2 concurrent", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LogsAndRethrowsAFailure()
    {
        var logger = new CollectingLogger();
        var error = Assert.Throws<FileNotFoundException>(() => BitNetRuntime.Load(new BitNetChatClientOptions { ModelPath = "no-such-model.gguf" }, logger));

        var (level, message, exception) = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Error, level);
        Assert.Contains("no-such-model.gguf", message, StringComparison.Ordinal);
        Assert.Same(error, exception);
    }

    [Fact]
    public void Load_PassesTheKvCacheTypeToTheModel()
    {
        using var runtime = BitNetRuntime.Load(new BitNetChatClientOptions { ModelPath = TinyModel.Path, KvCache = Runtime.KvCache.KvCacheType.Fp8E4M3 });
        Assert.Equal(Runtime.KvCache.KvCacheType.Fp8E4M3, runtime.Model.KvCacheType);
        Assert.Equal(Runtime.KvCache.KvCacheType.Fp8E4M3, runtime.Model.Options.KvCache);
    }

    [Fact]
    public void Load_RejectsInvalidOptions_NamingThem()
    {
        var error = Assert.Throws<ArgumentException>("options", () => BitNetRuntime.Load(new BitNetChatClientOptions { ContextLength = 0 }));
        Assert.Contains("BitNetChatClientOptions.ContextLength is 0", error.Message, StringComparison.Ordinal);
    }

    private sealed class CollectingLogger : ILogger
    {
        public List<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) Entries.Add((logLevel, formatter(state, exception), exception));
        }
    }
}
