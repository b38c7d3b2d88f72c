using BitNet.Runtime.Gguf;
using BitNet.Runtime.Kernels.Ternary;
using BitNet.Runtime.KvCache;
using BitNet.Runtime.Threading;
using BitNet.Runtime.Model;
using BitNet.Runtime.Tokenization;

namespace BitNet.Runtime;

/// <summary>
/// A loaded BitNet b1.58 model: configuration, weights, tokenizer. Create an <see cref="InferenceSession"/> per
/// sequence to run it.
/// </summary>
/// <remarks>Thread-safe: the model is read-only after loading; sessions hold all per-sequence state.</remarks>
public sealed class BitNetModel : IDisposable
{
    private readonly GgufFile _file;
    private readonly BitNetForward _forward;
    private readonly WorkerPool _pool;

    private BitNetModel(GgufFile file, BitNetConfig config, BitNetWeights weights, BitNetTokenizer tokenizer, BitNetModelOptions options, string path)
    {
        _file = file;
        Config = config;
        Weights = weights;
        Tokenizer = tokenizer;
        Options = options;
        ModelPath = path;
        ContextLength = options.ContextLength ?? config.ContextLength;
        ModelId = file.Metadata.GetStringOrDefault("general.name") is { Length: > 0 } name ? name : Path.GetFileNameWithoutExtension(path);
        _pool = new WorkerPool(options.Threads ?? WorkerPool.DefaultThreadCount);
        _forward = new BitNetForward(config, weights, options.ActivationQuantization, _pool, TernaryKernels.Get(options.KernelPath), options.RoundHeadInputToHalf);
    }

    /// <summary>The model's hyper-parameters.</summary>
    public BitNetConfig Config { get; }

    /// <summary>The weights.</summary>
    public BitNetWeights Weights { get; }

    /// <summary>The tokenizer built from the GGUF's own vocabulary.</summary>
    public BitNetTokenizer Tokenizer { get; }

    /// <summary>The options the model was loaded with.</summary>
    public BitNetModelOptions Options { get; }

    /// <summary>The GGUF file path.</summary>
    public string ModelPath { get; }

    /// <summary>A short id for the model: GGUF <c>general.name</c>, else the file name.</summary>
    public string ModelId { get; }

    /// <summary>Positions per sequence.</summary>
    public int ContextLength { get; }

    /// <summary>Threads the forward pass runs on.</summary>
    public int Threads => _pool.Threads;

    /// <summary>The ternary kernel path in use.</summary>
    public Kernels.KernelPath KernelPath => _forward.Kernel.Path;

    /// <summary>The precision of every session's KV cache.</summary>
    public KvCacheType KvCacheType => Options.KvCache;

    /// <summary>The exact bytes a session's KV cache holds per token (all layers, keys and values, scales included).</summary>
    public long KvBytesPerToken => KvCacheLayout.BytesPerToken(Options.KvCache, Config.BlockCount, Config.KvHeadCount, Config.HeadDimension);

    /// <summary>Bytes of weights the runtime holds in its own memory (packed ternary codes, norms, widened tables).</summary>
    public long HeldWeightBytes => Weights.TernaryBytes + Weights.TableBytes;

    /// <summary>The parsed GGUF file (metadata and tensor infos).</summary>
    public GgufFile File => _file;

    /// <summary>Loads a model; with no options, the default model with default settings.</summary>
    /// <exception cref="FileNotFoundException">The model file does not exist.</exception>
    /// <exception cref="GgufFormatException">The file is malformed, or a required key or tensor is missing or misshapen.</exception>
    /// <exception cref="NotSupportedException">The architecture or a tensor type is not supported.</exception>
    public static BitNetModel Load(BitNetModelOptions? options = null)
    {
        options ??= new BitNetModelOptions();
        options.Validate();
        var path = DefaultModel.Resolve(options.ModelPath);
        var file = GgufFile.Open(path);
        try
        {
            var config = BitNetConfig.FromGguf(file);
            if (options.ContextLength > config.ContextLength)
                throw new ArgumentOutOfRangeException(nameof(BitNetModelOptions.ContextLength), options.ContextLength,
                    $"ContextLength {options.ContextLength} exceeds the {config.ContextLength} positions the model was trained for; " +
                    $"allowed: 1 to {config.ContextLength}, or null for {config.ContextLength}.");
            try
            {
                KvCacheLayout.Check(options.KvCache, config.HeadDimension);
            }
            catch (NotSupportedException e)
            {
                throw new ArgumentException($"KvCache {options.KvCache} does not suit this model: {e.Message}", nameof(options), e);
            }
            var kernel = TernaryKernels.Get(options.KernelPath); // an unsupported forced path fails here, before anything is read
            // The lookup layout serves int8 per-token activations only; the other modes keep the 2-bit layout.
            var lookupLayout = kernel.ReadsLookupLayout && options.ActivationQuantization == ActivationQuantization.Int8PerToken;
            var weights = BitNetWeights.Load(file, config, options.HeadQuantization, lookupLayout, options.Threads ?? WorkerPool.DefaultThreadCount);
            try
            {
                var tokenizer = BitNetTokenizer.FromGguf(file);
                weights.Head.UseHeadKernelPath(options.HeadKernelPath);
                return new BitNetModel(file, config, weights, tokenizer, options, path);
            }
            catch
            {
                weights.Dispose();
                throw;
            }
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Loads the model at <paramref name="path"/> with otherwise default options.</summary>
    public static BitNetModel Load(string path) => Load(new BitNetModelOptions { ModelPath = path });

    /// <summary>Starts a new, empty sequence.</summary>
    public InferenceSession CreateSession() => new(_forward, ContextLength, Options.KvCache);

    /// <summary>Starts a new, empty sequence whose KV cache stores <paramref name="kvCacheType"/> instead of the model's default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The type is not defined.</exception>
    /// <exception cref="NotSupportedException">The type does not suit this model's head dimension.</exception>
    public InferenceSession CreateSession(KvCacheType kvCacheType)
    {
        KvCacheLayout.Check(kvCacheType, Config.HeadDimension);
        return new InferenceSession(_forward, ContextLength, kvCacheType);
    }

    /// <summary>Stops the worker threads and releases the weights and the memory-mapped file.</summary>
    public void Dispose()
    {
        _pool.Dispose();
        Weights.Dispose();
        _file.Dispose();
    }
}
