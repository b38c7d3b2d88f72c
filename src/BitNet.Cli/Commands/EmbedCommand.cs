using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Encodings.Web;
using System.Text.Json;
using BitNet.Runtime;
using BitNet.Runtime.Embeddings;
using BitNet.Runtime.Evaluation;
using Spectre.Console;

namespace BitNet.Cli.Commands;

/// <summary>
/// <c>bitnet embed</c>: text embeddings (<see cref="TextEmbedder"/>: the mean-pooled, normalized final hidden state).
/// <c>bitnet embed TEXT...</c> prints the cosine similarities of the texts (one text: its vector);
/// <c>--retrieval FILE</c> scores half-document retrieval (<see cref="HalfDocumentRetrieval"/>);
/// <c>--speed</c> times embeddings of <c>--tokens</c>-token inputs.
/// </summary>
internal sealed class EmbedCommand
{
    private static readonly JsonSerializerOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly CliConsole _console;
    private readonly Argument<string[]> _texts = new("TEXT")
    {
        Description = "Texts to embed. One text: its vector is printed; several: their cosine similarities.",
        Arity = ArgumentArity.ZeroOrMore,
    };
    private readonly ModelOptions _model = new();
    private readonly Option<FileInfo?> _retrieval = new("--retrieval")
    {
        Description = "Score retrieval on a text file (documents separated by <|endoftext|> lines): each document's first half must " +
                      "find its own second half among all second halves. Prints accuracy@1, MRR and a bag-of-tokens baseline.",
        HelpName = "FILE",
    };
    private readonly Option<bool> _speed = new("--speed")
    {
        Description = "Time the embedding of --count inputs of --tokens tokens each (seeded random tokens after <s>).",
    };
    private readonly Option<int> _tokens = new("--tokens")
    {
        Description = "With --speed: tokens per input, <s> included.",
        HelpName = "N",
        DefaultValueFactory = _ => 128,
    };
    private readonly Option<int> _count = new("--count")
    {
        Description = "With --speed: inputs to embed (after one untimed warm-up input).",
        HelpName = "N",
        DefaultValueFactory = _ => 32,
    };
    private readonly Option<int?> _threads = new("--threads")
    {
        Description = "Threads of the forward pass (the caller's included). Default: the physical cores.",
        HelpName = "N",
    };
    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print one JSON object instead of a table.",
    };

    public EmbedCommand(CliConsole console)
    {
        _console = console;
        CommonOptions.Positive(_threads);
        foreach (var option in new[] { _tokens, _count })
        {
            option.Validators.Add(r =>
            {
                if (CommonOptions.TryGetValue<int>(r, out var value) && value < 1) r.AddError($"{option.Name} must be at least 1, got {value}.");
            });
        }
    }

    public Command Build()
    {
        var command = new Command("embed",
            "Text embeddings from the model's final hidden state (mean over the text's tokens, unit length): similarities, retrieval quality, speed.");
        command.Arguments.Add(_texts);
        _model.AddTo(command);
        command.Options.Add(_retrieval);
        command.Options.Add(_speed);
        command.Options.Add(_tokens);
        command.Options.Add(_count);
        command.Options.Add(_threads);
        command.Options.Add(_json);
        command.Validators.Add(r =>
        {
            var modes = ((r.GetValue(_texts)?.Length ?? 0) > 0 ? 1 : 0) + (r.GetValue(_retrieval) is not null ? 1 : 0) + (r.GetValue(_speed) ? 1 : 0);
            if (modes != 1) r.AddError("Give texts to embed, --retrieval FILE, or --speed: exactly one of them.");
        });
        command.SetAction((result, cancellationToken) => Task.FromResult(Run(result, cancellationToken)));
        return command;
    }

    private int Run(ParseResult result, CancellationToken cancellationToken)
    {
        var texts = result.GetValue(_texts) ?? [];
        var file = result.GetValue(_retrieval);
        var speed = result.GetValue(_speed);

        var options = _model.Read(result) with { Threads = result.GetValue(_threads) };
        if (speed) options = options with { ContextLength = options.ContextLength ?? result.GetValue(_tokens) };
        IReadOnlyList<string>? documents = null;
        if (file is not null)
        {
            if (!file.Exists) throw new FileNotFoundException($"The text file '{file.FullName}' does not exist.", file.FullName);
            documents = PerplexityEvaluator.ReadDocuments(file.FullName);
        }

        using var model = BitNetModel.Load(options);
        var embedder = new TextEmbedder(model);
        if (documents is not null) Retrieval(model, embedder, documents, result.GetValue(_json), cancellationToken);
        else if (speed) Speed(model, embedder, result.GetValue(_tokens), result.GetValue(_count), result.GetValue(_json), cancellationToken);
        else Similarities(model, embedder, texts, result.GetValue(_json), cancellationToken);
        return 0;
    }

    private void Similarities(BitNetModel model, TextEmbedder embedder, string[] texts, bool json, CancellationToken cancellationToken)
    {
        var ids = texts.Select((t, i) => embedder.Tokenize(t, $"TEXT {i + 1}")).ToArray();
        var vectors = new float[texts.Length][];
        using (var session = model.CreateSession())
        {
            for (var i = 0; i < texts.Length; i++)
            {
                vectors[i] = new float[embedder.Dimensions];
                embedder.Embed(session, ids[i], vectors[i], cancellationToken);
            }
        }
        var similarity = vectors.Select(a => vectors.Select(b => Math.Round(TensorPrimitives.Dot(a, b), 6)).ToArray()).ToArray();

        if (json)
        {
            _console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["model"] = model.ModelId,
                ["dimensions"] = embedder.Dimensions,
                ["inputs"] = texts.Select((t, i) => new Dictionary<string, object> { ["text"] = t, ["tokens"] = ids[i].Length, ["vector"] = vectors[i] }).ToArray(),
                ["cosine"] = similarity,
            }, s_json));
            return;
        }

        var c = CultureInfo.InvariantCulture;
        if (texts.Length == 1)
        {
            _console.Out.WriteLine(string.Join(' ', vectors[0].Select(v => v.ToString("G9", c))));
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumn("cosine");
        for (var j = 0; j < texts.Length; j++) table.AddColumn(new TableColumn((j + 1).ToString(c)).RightAligned());
        for (var i = 0; i < texts.Length; i++)
            table.AddRow([new Text($"{i + 1}: {Shorten(texts[i])}"), .. similarity[i].Select(s => new Text(s.ToString("F3", c)))]);
        _console.OutConsole.Write(table);
    }

    private void Retrieval(BitNetModel model, TextEmbedder embedder, IReadOnlyList<string> documents, bool json, CancellationToken cancellationToken)
    {
        _console.Error.WriteLine($"embed: scoring half-document retrieval on {documents.Count} documents");
        var r = new HalfDocumentRetrieval(embedder).Evaluate(documents, cancellationToken);
        var actQuant = ModelOptions.Name(model.Options.ActivationQuantization);
        if (json)
        {
            _console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["model"] = model.ModelId,
                ["act_quant"] = actQuant,
                ["threads"] = model.Threads,
                ["documents"] = r.Documents,
                ["accuracy_at_1"] = r.AccuracyAt1,
                ["mrr"] = r.MeanReciprocalRank,
                ["mean_cosine_same"] = r.MeanMatchingCosine,
                ["mean_cosine_other"] = r.MeanOtherCosine,
                ["baseline_accuracy_at_1"] = r.BaselineAccuracyAt1,
                ["baseline_mrr"] = r.BaselineMeanReciprocalRank,
                ["chance_accuracy"] = r.ChanceAccuracy,
                ["tokens"] = r.Tokens,
                ["seconds"] = Math.Round(r.EmbeddingTime.TotalSeconds, 3),
                ["embeddings_per_second"] = Math.Round(r.EmbeddingsPerSecond, 1),
            }, s_json));
            return;
        }

        var c = CultureInfo.InvariantCulture;
        var table = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        void Row(string name, string value) => table.AddRow(new Text(name), new Text(value));
        Row("model", model.ModelId);
        Row("act-quant", actQuant);
        Row("documents (queries)", r.Documents.ToString(c));
        Row("accuracy@1", r.AccuracyAt1.ToString("P1", c));
        Row("MRR", r.MeanReciprocalRank.ToString("F3", c));
        Row("mean cosine, same document", r.MeanMatchingCosine.ToString("F3", c));
        Row("mean cosine, other documents", r.MeanOtherCosine.ToString("F3", c));
        Row("baseline (bag of token embeddings) accuracy@1", r.BaselineAccuracyAt1.ToString("P1", c));
        Row("baseline MRR", r.BaselineMeanReciprocalRank.ToString("F3", c));
        Row("chance accuracy@1", r.ChanceAccuracy.ToString("P1", c));
        Row("tokens embedded", r.Tokens.ToString("N0", c));
        Row("embedding time", CommonOptions.Duration(r.EmbeddingTime));
        Row("embeddings/s", r.EmbeddingsPerSecond.ToString("F1", c));
        _console.OutConsole.Write(table);
    }

    private void Speed(BitNetModel model, TextEmbedder embedder, int tokens, int count, bool json, CancellationToken cancellationToken)
    {
        if (tokens > model.ContextLength)
            throw new ArgumentException($"--tokens {tokens} is more than the {model.ContextLength}-token context; lower it or raise --context.");
        var random = new Random(1);
        var inputs = new int[count + 1][];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = new int[tokens];
            inputs[i][0] = model.Tokenizer.BosId;
            for (var t = 1; t < tokens; t++) inputs[i][t] = random.Next(3, model.Config.VocabularySize);
        }
        var vector = new float[embedder.Dimensions];
        using var session = model.CreateSession();
        embedder.Embed(session, inputs[0], vector, cancellationToken); // warm-up: JIT, first touch of the weights and buffers
        var clock = Stopwatch.StartNew();
        for (var i = 1; i < inputs.Length; i++) embedder.Embed(session, inputs[i], vector, cancellationToken);
        var elapsed = clock.Elapsed;
        var perSecond = count / elapsed.TotalSeconds;

        var c = CultureInfo.InvariantCulture;
        if (json)
        {
            _console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["model"] = model.ModelId,
                ["kernel"] = model.KernelPath.ToString(),
                ["threads"] = model.Threads,
                ["act_quant"] = ModelOptions.Name(model.Options.ActivationQuantization),
                ["tokens_per_input"] = tokens,
                ["inputs"] = count,
                ["seconds"] = Math.Round(elapsed.TotalSeconds, 3),
                ["embeddings_per_second"] = Math.Round(perSecond, 2),
                ["tokens_per_second"] = Math.Round(perSecond * tokens, 1),
            }, s_json));
            return;
        }
        _console.Out.WriteLine(string.Create(c,
            $"{model.ModelId}: {count} inputs of {tokens} tokens in {CommonOptions.Duration(elapsed)} on {model.Threads} thread(s), {model.KernelPath}: " +
            $"{perSecond:F2} embeddings/s, {perSecond * tokens:F0} tokens/s"));
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 39), "…");
}
