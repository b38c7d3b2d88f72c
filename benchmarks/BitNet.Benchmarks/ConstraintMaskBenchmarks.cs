using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using BitNet.Runtime;
using BitNet.Runtime.Constraints;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Model;
using BitNet.Runtime.Synthesis;
using BitNet.Runtime.Tokenization;

namespace BitNet.Benchmarks;

/// <summary>
/// The per-token cost of JSON-schema constrained decoding: copy the logits, mask them (<see cref="ITokenConstraint.MaskLogits"/>)
/// and advance past the token (<see cref="ITokenConstraint.Accept"/>), over the tokens of a representative document
/// (strings, numbers, an enum array, a nested object), reported per token. Vocabularies: the shipped model's 4,096
/// SentencePiece pieces and a synthetic 128,256-token byte-level BPE (2B4T's size). The shipped model's decode step is
/// measured in the same run for scale.
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project benchmarks/BitNet.Benchmarks -- --filter '*ConstraintMask*'</c>.</remarks>
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 10)]
[MinColumn, MedianColumn]
public class ConstraintMaskBenchmarks
{
    private const string Schema =
        """{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},"tags":{"type":"array","items":{"enum":["brave","kind","small"]},"maxItems":3},"home":{"type":"object","properties":{"town":{"type":"string"},"score":{"type":["number","null"]}}}}}""";

    private const string Document =
        """{"name": "Lily the little fox, who lived by the river", "age": 7, "tags": ["brave", "kind"], "home": {"town": "Greenfield near the old mill", "score": -12.75}}""";

    private BitNetModel _model = null!;
    private InferenceSession _session = null!;
    private BitNetTokenizer _tokenizer = null!;
    private JsonGrammar _grammar = null!;
    private int[] _ids = null!;
    private float[] _logits = null!;
    private float[] _masked = null!;

    /// <summary>The vocabulary.</summary>
    [Params("shipped-4096", "byte-level-128256")]
    public string Vocabulary { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _model = BitNetModel.Load(new BitNetModelOptions { ContextLength = 256 });
        _session = _model.CreateSession();
        _session.Prefill(_model.Tokenizer.Encode("Once upon a time"));
        _tokenizer = Vocabulary == "shipped-4096" ? _model.Tokenizer : SyntheticByteLevelVocabulary.Create(128_256).CreateTokenizer();
        _grammar = JsonGrammar.FromSchema(Schema);
        _ids = _tokenizer.Encode(Document, addBos: false);
        _logits = new float[_tokenizer.VocabularySize];
        for (var i = 0; i < _logits.Length; i++) _logits[i] = (i * 7919 % 1000) / 100f;
        _masked = new float[_logits.Length];
        // The vocabulary tables are built once per tokenizer, on first use: not part of the per-token cost.
        Run(_grammar.CreateConstraint(_tokenizer));
        Console.WriteLine($"// {Vocabulary}: {_ids.Length} tokens for {Document.Length} characters");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _model.Dispose();
    }

    /// <summary>Copy, mask and accept for every token of the document (divide by the token count printed at set-up).</summary>
    [Benchmark(Description = "mask + accept, whole document")]
    public int MaskWholeDocument() => Run(_grammar.CreateConstraint(_tokenizer));

    /// <summary>One decode step of the shipped model (the step a mask is added to), for scale.</summary>
    [Benchmark(Description = "decode step, shipped model")]
    public float DecodeStep()
    {
        _session.Rewind(_session.Position - 1);
        return _session.Decode(42)[0];
    }

    private int Run(ITokenConstraint constraint)
    {
        foreach (var id in _ids)
        {
            _logits.CopyTo(_masked, 0);
            constraint.MaskLogits(_masked, 1000);
            constraint.Accept(id);
        }

        return _ids.Length;
    }
}
