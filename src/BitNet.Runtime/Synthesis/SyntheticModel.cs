using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Model;
using BitNet.Runtime.Weights.Head;
using BitNet.Runtime.Weights.I2S;
using BitNet.Runtime.Weights.TQ1_0;
using BitNet.Runtime.Weights.TQ2_0;

namespace BitNet.Runtime.Synthesis;

/// <summary>How to synthesize a model.</summary>
public sealed record SyntheticModelOptions
{
    /// <summary>The tensor shapes. Default: <see cref="SyntheticModelShape.Tiny"/>.</summary>
    public SyntheticModelShape Shape { get; init; } = SyntheticModelShape.Tiny;

    /// <summary>The storage type of the 7 projections per layer: <see cref="GgufTensorType.I2_S"/> (default),
    /// <see cref="GgufTensorType.TQ2_0"/>, <see cref="GgufTensorType.TQ1_0"/> or <see cref="GgufTensorType.F16"/> ({−s, 0, +s} masters).</summary>
    public GgufTensorType Format { get; init; } = GgufTensorType.I2_S;

    /// <summary><c>general.architecture</c> and the prefix of the hyper-parameter keys. Default <c>bitnet-25</c>, which
    /// ik_llama.cpp and bitnet.cpp load as 2B4T's graph (relu², sub-norms).</summary>
    public string Architecture { get; init; } = "bitnet-25";

    /// <summary>The seed of every random value: the same options give the same bytes.</summary>
    public ulong Seed { get; init; }

    /// <summary>The context length written to the file; null means the shape's.</summary>
    public int? ContextLength { get; init; }

    /// <summary>The storage type of <c>token_embd.weight</c> (the tied LM head): <see cref="GgufTensorType.F16"/> (default),
    /// <see cref="GgufTensorType.Q8_0"/> or <see cref="GgufTensorType.Q6_K"/>, encoded from the same F16 values.</summary>
    public GgufTensorType HeadFormat { get; init; } = GgufTensorType.F16;

    /// <summary>The embedding / head formats <see cref="HeadFormat"/> accepts.</summary>
    public static IReadOnlyList<GgufTensorType> SupportedHeadFormats { get; } = [GgufTensorType.F16, GgufTensorType.Q8_0, GgufTensorType.Q6_K];

    /// <summary>The kind of vocabulary; null means the shape's (<see cref="SyntheticModelShape.Vocabulary"/>).</summary>
    public SyntheticVocabularyKind? Vocabulary { get; init; }

    /// <summary>The kind of vocabulary written: <see cref="Vocabulary"/> or the shape's.</summary>
    public SyntheticVocabularyKind VocabularyKind => Vocabulary ?? Shape.Vocabulary;

    /// <summary>The projection formats <see cref="Format"/> accepts.</summary>
    public static IReadOnlyList<GgufTensorType> SupportedFormats { get; } =
        [GgufTensorType.F16, GgufTensorType.TQ1_0, GgufTensorType.TQ2_0, GgufTensorType.I2_S];

    /// <summary>Throws <see cref="ArgumentException"/> naming the option when a value cannot be written or loaded.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Shape);
        ArgumentNullException.ThrowIfNull(Architecture);
        if (!SupportedFormats.Contains(Format))
            throw new ArgumentOutOfRangeException(nameof(Format), Format, $"Supported formats: {string.Join(", ", SupportedFormats)}.");
        if (!BitNetConfig.SupportedArchitectures.Contains(Architecture))
            throw new ArgumentOutOfRangeException(nameof(Architecture), Architecture, $"Supported architectures: {string.Join(", ", BitNetConfig.SupportedArchitectures)}.");
        if (!SupportedHeadFormats.Contains(HeadFormat))
            throw new ArgumentOutOfRangeException(nameof(HeadFormat), HeadFormat, $"Supported head formats: {string.Join(", ", SupportedHeadFormats)}.");
        if (ContextLength is < 1 or > 1 << 24)
            throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, "The context length must be from 1 to 16777216.");
        var s = Shape;
        var minimumVocabulary = VocabularyKind == SyntheticVocabularyKind.ByteLevel ? SyntheticByteLevelVocabulary.MinimumSize : SyntheticVocabulary.MinimumSize;
        if (Vocabulary is { } kind && !Enum.IsDefined(kind))
            throw new ArgumentOutOfRangeException(nameof(Vocabulary), kind, "Unknown vocabulary kind.");
        if (s.VocabularySize < minimumVocabulary || s.EmbeddingLength < 1 || s.BlockCount < 1 || s.HeadCount < 1 ||
            s.KvHeadCount < 1 || s.FeedForwardLength < 1 || s.ContextLength < 1)
            throw new ArgumentException($"Shape '{s.Name}': every size must be positive and the vocabulary at least {minimumVocabulary}.", nameof(Shape));
        if (s.EmbeddingLength % s.HeadCount != 0 || s.HeadCount % s.KvHeadCount != 0 || s.HeadDimension % 2 != 0)
            throw new ArgumentException($"Shape '{s.Name}': {s.EmbeddingLength} hidden over {s.HeadCount} heads and {s.KvHeadCount} KV heads does not give whole, even heads.", nameof(Shape));
        var block = Format switch
        {
            GgufTensorType.I2_S => I2SWeights.BlockElements,
            GgufTensorType.TQ1_0 or GgufTensorType.TQ2_0 => 256,
            _ => 1,
        };
        if (s.EmbeddingLength % block != 0 || s.FeedForwardLength % block != 0)
            throw new ArgumentException($"Shape '{s.Name}': {Format} needs the hidden ({s.EmbeddingLength}) and FFN ({s.FeedForwardLength}) sizes to be multiples of {block}.", nameof(Shape));
        var headBlock = GgufTensorTypes.Geometry(HeadFormat).BlockSize;
        if (s.EmbeddingLength % headBlock != 0)
            throw new ArgumentException($"Shape '{s.Name}': a {HeadFormat} head needs the hidden size ({s.EmbeddingLength}) to be a multiple of {headBlock}.", nameof(Shape));
    }
}

/// <summary>Progress of <see cref="SyntheticModel.Write"/>: reported after each tensor.</summary>
/// <param name="TensorsWritten">Tensors complete.</param>
/// <param name="TensorCount">Tensors in the file.</param>
/// <param name="BytesWritten">Bytes written so far.</param>
/// <param name="TotalBytes">The size of the finished file.</param>
public readonly record struct SynthesisProgress(int TensorsWritten, int TensorCount, long BytesWritten, long TotalBytes);

/// <summary>
/// A synthetic BitNet b1.58 model: real shapes and metadata, random weights. It lets speed and memory be measured at
/// full size (2B4T) without the real weights, in every projection format, on this engine and on llama.cpp-family
/// engines alike (one file feeds both).
/// </summary>
/// <remarks>
/// <para><b>Tensors</b> (the 2B4T GGUF's names, shapes and types): <c>token_embd.weight</c> (tied LM head, no
/// <c>output.weight</c>) with small random F16 values (uniform, standard deviation 0.02), stored as F16 or encoded from
/// those values to <see cref="SyntheticModelOptions.HeadFormat"/> (Q8_0, Q6_K); <c>output_norm.weight</c> and the
/// four norms per layer F32 around 1 (1 ± 0.1); the seven projections per layer in <see cref="SyntheticModelOptions.Format"/>,
/// each with its own per-tensor scale s (uniform in [0.01, 0.05], rounded to fp16 so every format stores it exactly) and
/// ternary values of which about two thirds are non-zero (−1, 0 and +1 equally likely).</para>
/// <para><b>Determinism.</b> Tensor i draws from its own generator seeded by (seed, i), so the ternary values and
/// scales do not depend on the format: the four formats of one seed hold the same model and run to the same logits.</para>
/// <para><b>Metadata</b>: <c>&lt;arch&gt;.*</c> hyper-parameters as in 2B4T (RoPE base 500000, RMS eps 1e-5,
/// <c>hidden_activation</c> relu2, <c>rope.dimension_count</c>), <c>general.file_type</c> per format (F16 1, TQ1_0 36,
/// TQ2_0 37, I2_S 40), and a synthetic vocabulary of exactly <c>VocabularySize</c> tokens: byte-level BPE with Llama-3
/// special tokens for 2B4T (<see cref="SyntheticByteLevelVocabulary"/>), SentencePiece for the tiny shape
/// (<see cref="SyntheticVocabulary"/>), or as <see cref="SyntheticModelOptions.Vocabulary"/> says.</para>
/// </remarks>
public sealed class SyntheticModel
{
    private const int ChunkValues = 1 << 20;

    private readonly List<Tensor> _tensors = [];

    private enum Kind { Embedding, Norm, Projection }

    private sealed record Tensor(string Name, Kind Kind, int Columns, int Rows);

    /// <summary>Plans a model; nothing is written until <see cref="Write"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public SyntheticModel(SyntheticModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        var s = options.Shape;
        int d = s.EmbeddingLength, kv = s.KvDimension, ff = s.FeedForwardLength;
        _tensors.Add(new("token_embd.weight", Kind.Embedding, d, s.VocabularySize));
        _tensors.Add(new("output_norm.weight", Kind.Norm, d, 1));
        for (var i = 0; i < s.BlockCount; i++)
        {
            var p = $"blk.{i}.";
            _tensors.Add(new(p + "attn_norm.weight", Kind.Norm, d, 1));
            _tensors.Add(new(p + "attn_q.weight", Kind.Projection, d, d));
            _tensors.Add(new(p + "attn_k.weight", Kind.Projection, d, kv));
            _tensors.Add(new(p + "attn_v.weight", Kind.Projection, d, kv));
            _tensors.Add(new(p + "attn_output.weight", Kind.Projection, d, d));
            _tensors.Add(new(p + "attn_sub_norm.weight", Kind.Norm, d, 1));
            _tensors.Add(new(p + "ffn_norm.weight", Kind.Norm, d, 1));
            _tensors.Add(new(p + "ffn_gate.weight", Kind.Projection, d, ff));
            _tensors.Add(new(p + "ffn_up.weight", Kind.Projection, d, ff));
            _tensors.Add(new(p + "ffn_down.weight", Kind.Projection, ff, d));
            _tensors.Add(new(p + "ffn_sub_norm.weight", Kind.Norm, ff, 1));
        }
    }

    /// <summary>The options.</summary>
    public SyntheticModelOptions Options { get; }

    /// <summary>The number of tensors (2 + 11 per layer).</summary>
    public int TensorCount => _tensors.Count;

    /// <summary>The context length written to the file.</summary>
    public int ContextLength => Options.ContextLength ?? Options.Shape.ContextLength;

    /// <summary><c>general.file_type</c> for a projection format: llama.cpp's ftype (F16 1, TQ1_0 36, TQ2_0 37) or bitnet.cpp's (I2_S 40).</summary>
    public static uint FileType(GgufTensorType format) => format switch
    {
        GgufTensorType.F16 => 1,
        GgufTensorType.TQ1_0 => 36,
        GgufTensorType.TQ2_0 => 37,
        GgufTensorType.I2_S => 40,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Not a synthetic projection format."),
    };

    /// <summary>Writes the file to <paramref name="path"/>: to <c>path.partial</c> first, renamed when complete, so a failed or cancelled run leaves no half-written model behind.</summary>
    public void WriteFile(string path, IProgress<SynthesisProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var partial = path + ".partial";
        try
        {
            using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.SequentialScan))
                Write(stream, progress, cancellationToken);
            File.Move(partial, path, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    /// <summary>Writes the whole GGUF to <paramref name="stream"/> (left open), streaming tensor by tensor.</summary>
    public void Write(Stream stream, IProgress<SynthesisProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new GgufWriter(stream, leaveOpen: true);
        Declare(writer);
        writer.WriteHeader();
        var total = writer.TotalLength;
        progress?.Report(new SynthesisProgress(0, _tensors.Count, writer.BytesWritten, total));
        var random = new byte[ChunkValues];
        var encoded = new byte[ChunkValues * 2];
        for (var i = 0; i < _tensors.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var t = _tensors[i];
            var rng = new SynthesisRandom(Options.Seed, (ulong)i);
            switch (t.Kind)
            {
                case Kind.Embedding: WriteEmbedding(writer, t, Options.HeadFormat, rng, random, encoded); break;
                case Kind.Norm: WriteNorm(writer, t, rng); break;
                default: WriteProjection(writer, t, rng, random, encoded, cancellationToken); break;
            }
            progress?.Report(new SynthesisProgress(i + 1, _tensors.Count, writer.BytesWritten, total));
        }
        writer.Complete();
    }

    /// <summary>Adds the metadata and the tensor infos to <paramref name="writer"/> (which then knows the file's size).</summary>
    public void Declare(GgufWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var o = Options;
        var s = o.Shape;
        var arch = o.Architecture;
        writer.AddString("general.architecture", arch)
              .AddString("general.name", $"BitNet b1.58 {s.Name} synthetic ({FormatName(o.Format)}{(o.HeadFormat == GgufTensorType.F16 ? "" : $", {FormatName(o.HeadFormat)} head")}, seed {o.Seed})")
              .AddUInt32($"{arch}.vocab_size", (uint)s.VocabularySize)
              .AddUInt32($"{arch}.context_length", (uint)ContextLength)
              .AddUInt32($"{arch}.embedding_length", (uint)s.EmbeddingLength)
              .AddUInt32($"{arch}.block_count", (uint)s.BlockCount)
              .AddUInt32($"{arch}.feed_forward_length", (uint)s.FeedForwardLength)
              .AddUInt32($"{arch}.rope.dimension_count", (uint)s.HeadDimension)
              .AddUInt32($"{arch}.attention.head_count", (uint)s.HeadCount)
              .AddUInt32($"{arch}.attention.head_count_kv", (uint)s.KvHeadCount)
              .AddFloat32($"{arch}.attention.layer_norm_rms_epsilon", 1e-5f)
              .AddFloat32($"{arch}.rope.freq_base", 500_000f)
              .AddString($"{arch}.hidden_activation", "relu2")
              .AddUInt32("general.file_type", FileType(o.Format))
              .AddUInt32("general.quantization_version", 2);
        if (o.VocabularyKind == SyntheticVocabularyKind.ByteLevel) DeclareByteLevelVocabulary(writer, s.VocabularySize);
        else DeclareSentencePieceVocabulary(writer, s.VocabularySize);
        foreach (var t in _tensors)
        {
            var type = t.Kind switch { Kind.Embedding => o.HeadFormat, Kind.Norm => GgufTensorType.F32, _ => o.Format };
            if (t.Kind == Kind.Norm) writer.AddTensor(t.Name, type, t.Columns);
            else writer.AddTensor(t.Name, type, t.Columns, t.Rows);
        }
    }

    private static void DeclareSentencePieceVocabulary(GgufWriter writer, int size)
    {
        var vocabulary = SyntheticVocabulary.Create(size);
        writer.AddString("tokenizer.ggml.model", "llama")
              .AddArray("tokenizer.ggml.tokens", vocabulary.Pieces)
              .AddArray("tokenizer.ggml.scores", vocabulary.Scores)
              .AddArray("tokenizer.ggml.token_type", vocabulary.Types)
              .AddUInt32("tokenizer.ggml.bos_token_id", SyntheticVocabulary.BosId)
              .AddUInt32("tokenizer.ggml.eos_token_id", SyntheticVocabulary.EosId)
              .AddUInt32("tokenizer.ggml.unknown_token_id", SyntheticVocabulary.UnknownId)
              .AddBool("tokenizer.ggml.add_bos_token", true)
              .AddBool("tokenizer.ggml.add_eos_token", false);
    }

    private static void DeclareByteLevelVocabulary(GgufWriter writer, int size)
    {
        // The keys of the 2B4T GGUF, plus the pre-tokenizer and EOT id that it lacks (loaders then need no fallbacks).
        var vocabulary = SyntheticByteLevelVocabulary.Create(size);
        writer.AddString("tokenizer.ggml.model", "gpt2")
              .AddString("tokenizer.ggml.pre", "llama-bpe")
              .AddArray("tokenizer.ggml.tokens", vocabulary.Tokens)
              .AddArray("tokenizer.ggml.token_type", vocabulary.Types)
              .AddArray("tokenizer.ggml.merges", vocabulary.Merges)
              .AddUInt32("tokenizer.ggml.bos_token_id", (uint)vocabulary.BosId)
              .AddUInt32("tokenizer.ggml.eos_token_id", (uint)vocabulary.EosId)
              .AddUInt32("tokenizer.ggml.eot_token_id", (uint)vocabulary.EotId)
              .AddUInt32("tokenizer.ggml.padding_token_id", (uint)vocabulary.EosId)
              .AddBool("tokenizer.ggml.add_bos_token", true);
    }

    /// <summary>The lower-case name of a projection or head format (<c>f16</c>, <c>i2_s</c>, <c>tq1_0</c>, <c>tq2_0</c>, <c>q8_0</c>, <c>q6_k</c>).</summary>
    public static string FormatName(GgufTensorType format) => format.ToString().ToLowerInvariant();

    /// <summary>The projection format of a lower-case or upper-case name, or null.</summary>
    public static GgufTensorType? ParseFormat(string? name) =>
        SupportedFormats.Cast<GgufTensorType?>().FirstOrDefault(f => string.Equals(FormatName(f!.Value), name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The head format of a lower-case or upper-case name (<c>f16</c>, <c>q8_0</c>, <c>q6_k</c>), or null.</summary>
    public static GgufTensorType? ParseHeadFormat(string? name) =>
        SyntheticModelOptions.SupportedHeadFormats.Cast<GgufTensorType?>().FirstOrDefault(f => string.Equals(FormatName(f!.Value), name, StringComparison.OrdinalIgnoreCase));

    private static IReadOnlyList<GgufTensorType> SupportedFormats => SyntheticModelOptions.SupportedFormats;

    // ---- Tensor data

    private static void WriteEmbedding(GgufWriter writer, Tensor t, GgufTensorType format, SynthesisRandom rng, byte[] random, byte[] encoded)
    {
        // The values are drawn as F16 whatever the format, so every head format of one seed encodes the same table.
        float[] widened = format == GgufTensorType.F16 ? [] : new float[ChunkValues];
        // Uniform in [−a, a] with a = 0.02·√3: standard deviation 0.02, like a trained embedding's scale.
        const float amplitude = 0.034641016f;
        var total = (long)t.Columns * t.Rows;
        var halves = MemoryMarshal.Cast<byte, Half>(encoded.AsSpan());
        var words = MemoryMarshal.Cast<byte, uint>(random.AsSpan());
        for (long done = 0; done < total;)
        {
            var n = (int)Math.Min(total - done, Math.Min(halves.Length, words.Length));
            rng.Fill(random.AsSpan(0, n * sizeof(uint)));
            for (var i = 0; i < n; i++) halves[i] = (Half)((words[i] * (2.0f / 4294967296f) - 1f) * amplitude);
            if (format == GgufTensorType.F16)
            {
                writer.WriteData(MemoryMarshal.AsBytes(halves[..n]));
            }
            else
            {
                // n is a whole number of blocks: chunks are 2^18 values and the table a multiple of 256 (Validate).
                for (var i = 0; i < n; i++) widened[i] = (float)halves[i];
                var bytes = format == GgufTensorType.Q8_0 ? (int)Q8_0Encoder.ByteSize(n) : (int)Q6_KEncoder.ByteSize(n);
                var output = random.AsSpan(0, bytes); // the random words are consumed; reuse their buffer
                if (format == GgufTensorType.Q8_0) Q8_0Encoder.Encode(widened.AsSpan(0, n), output);
                else Q6_KEncoder.Encode(widened.AsSpan(0, n), output);
                writer.WriteData(output);
            }
            done += n;
        }
    }

    private static void WriteNorm(GgufWriter writer, Tensor t, SynthesisRandom rng)
    {
        var values = new float[t.Columns];
        var words = new uint[t.Columns];
        rng.Fill(MemoryMarshal.AsBytes(words.AsSpan()));
        for (var i = 0; i < values.Length; i++) values[i] = 1f + (words[i] * (2.0f / 4294967296f) - 1f) * 0.1f;
        writer.WriteData(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private void WriteProjection(GgufWriter writer, Tensor t, SynthesisRandom rng, byte[] random, byte[] encoded, CancellationToken cancellationToken)
    {
        var scale = (float)(Half)(0.01f + 0.04f * rng.NextSingle());
        var rowsPerChunk = Math.Max(1, ChunkValues / t.Columns);
        var format = Options.Format;
        for (var row = 0; row < t.Rows; row += rowsPerChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(rowsPerChunk, t.Rows - row);
            var count = rows * t.Columns;
            var trits = MemoryMarshal.Cast<byte, sbyte>(random.AsSpan(0, count));
            rng.Fill(random.AsSpan(0, count));
            ToTrits(random.AsSpan(0, count));
            int bytes;
            switch (format)
            {
                case GgufTensorType.I2_S:
                    bytes = count / 4;
                    I2SEncoder.EncodeCodes(trits, encoded);
                    break;
                case GgufTensorType.TQ2_0:
                    bytes = (int)TQ2_0Encoder.ByteSize(rows, t.Columns);
                    TQ2_0Encoder.EncodeBlocks(trits, scale, encoded);
                    break;
                case GgufTensorType.TQ1_0:
                    bytes = (int)TQ1_0Encoder.ByteSize(rows, t.Columns);
                    TQ1_0Encoder.EncodeBlocks(trits, scale, encoded);
                    break;
                default:
                    bytes = count * 2;
                    var halves = MemoryMarshal.Cast<byte, Half>(encoded.AsSpan(0, bytes));
                    Span<Half> lut = [(Half)(-scale), Half.Zero, (Half)scale];
                    for (var i = 0; i < count; i++) halves[i] = lut[trits[i] + 1];
                    break;
            }
            writer.WriteData(encoded.AsSpan(0, bytes));
        }
        if (format == GgufTensorType.I2_S)
        {
            Span<byte> tail = stackalloc byte[I2SEncoder.TailBytes];
            I2SEncoder.WriteTail(scale, tail);
            writer.WriteData(tail);
        }
    }

    /// <summary>Maps uniform random bytes to −1, 0, +1 in place: below 85 → −1, 85..169 → 0, 170 and above → +1.</summary>
    private static void ToTrits(Span<byte> bytes)
    {
        var low = Vector128.Create((byte)84);
        var high = Vector128.Create((byte)169);
        var minusOne = Vector128.Create((byte)0xFF);
        var i = 0;
        for (; i + 16 <= bytes.Length; i += 16)
        {
            var b = Vector128.Create(bytes.Slice(i, 16));
            // Comparison masks are all ones (−1): −1 − (−1) − (−1) = +1.
            (minusOne - Vector128.GreaterThan(b, low) - Vector128.GreaterThan(b, high)).CopyTo(bytes[i..]);
        }
        for (; i < bytes.Length; i++) bytes[i] = (byte)(bytes[i] > 169 ? 1 : bytes[i] > 84 ? 0 : 0xFF);
    }
}
