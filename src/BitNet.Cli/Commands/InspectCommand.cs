using System.CommandLine;
using System.Globalization;
using System.Text;
using BitNet.Runtime;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Model;
using Spectre.Console;

namespace BitNet.Cli.Commands;

/// <summary>
/// <c>bitnet inspect [MODEL]</c>: a GGUF file's header, the BitNet configuration read from it, its metadata (long
/// arrays and strings truncated) and its tensors (name, shape, type, bytes, offset). It reads only the header, so it
/// also works on GGUF files this engine cannot run (the configuration is then replaced by a note on stderr).
/// </summary>
internal sealed class InspectCommand
{
    private const int ArrayPreview = 8;
    private const int StringPreview = 72;

    private readonly CliConsole _console;
    private readonly Argument<string?> _modelPath = new("MODEL")
    {
        Description = "The GGUF file. Default: the TinyStories BitNet model that ships next to bitnet.",
        Arity = ArgumentArity.ZeroOrOne,
    };
    private readonly Option<bool> _full = new("--full")
    {
        Description = "Show whole arrays and strings in the metadata table instead of the first few elements.",
    };

    public InspectCommand(CliConsole console) => _console = console;

    public Command Build()
    {
        var command = new Command("inspect", "Show a GGUF model's header, configuration, metadata and tensors.");
        command.Arguments.Add(_modelPath);
        command.Options.Add(_full);
        command.SetAction((result, cancellationToken) => Task.FromResult(Run(result, cancellationToken)));
        return command;
    }

    private int Run(ParseResult result, CancellationToken cancellationToken)
    {
        var path = DefaultModel.Resolve(result.GetValue(_modelPath));
        var full = result.GetValue(_full);
        using var file = GgufFile.Open(path);
        cancellationToken.ThrowIfCancellationRequested();
        var console = _console.OutConsole;
        var c = CultureInfo.InvariantCulture;

        var parameters = file.Tensors.Sum(t => t.ElementCount);
        var header = new Table().Border(TableBorder.Rounded).Title("file").HideHeaders().AddColumn("field").AddColumn("value");
        AddRow(header, "path", path);
        AddRow(header, "size", $"{file.Length.ToString("N0", c)} bytes");
        AddRow(header, "GGUF version", file.Version.ToString(c));
        AddRow(header, "alignment", file.Alignment.ToString(c));
        AddRow(header, "tensor data at", $"byte {file.DataStart.ToString("N0", c)}");
        AddRow(header, "metadata keys", file.Metadata.Count.ToString(c));
        AddRow(header, "tensors", file.Tensors.Count.ToString(c));
        AddRow(header, "parameters", parameters.ToString("N0", c));
        console.Write(header);

        BitNetConfig? config = null;
        try
        {
            config = BitNetConfig.FromGguf(file);
        }
        catch (Exception e) when (e is NotSupportedException or GgufFormatException)
        {
            _console.Error.WriteLine($"note: no BitNet configuration: {e.Message}");
        }
        if (config is not null)
        {
            var table = new Table().Border(TableBorder.Rounded).Title("configuration").HideHeaders().AddColumn("field").AddColumn("value");
            AddRow(table, "architecture", config.Architecture);
            AddRow(table, "vocabulary", config.VocabularySize.ToString("N0", c));
            AddRow(table, "embedding", config.EmbeddingLength.ToString(c));
            AddRow(table, "layers", config.BlockCount.ToString(c));
            AddRow(table, "heads / KV heads", $"{config.HeadCount} / {config.KvHeadCount} (head dim {config.HeadDimension})");
            AddRow(table, "feed-forward", $"{config.FeedForwardLength} ({config.Activation})");
            AddRow(table, "context", config.ContextLength.ToString(c));
            AddRow(table, "RoPE theta", config.RopeTheta.ToString(c));
            AddRow(table, "RMSNorm eps", config.RmsNormEpsilon.ToString(c));
            console.Write(table);
        }

        var metadata = new Table().Border(TableBorder.Rounded).Title("metadata").AddColumn("key").AddColumn("type").AddColumn("value");
        foreach (var value in file.Metadata.Values)
            metadata.AddRow(new Text(value.Key), new Text(TypeName(value)), new Text(Preview(value, full)));
        console.Write(metadata);

        var tensors = new Table().Border(TableBorder.Rounded).Title("tensors")
            .AddColumn("name").AddColumn("shape").AddColumn("type")
            .AddColumn(new TableColumn("bytes").RightAligned()).AddColumn(new TableColumn("offset").RightAligned());
        foreach (var tensor in file.Tensors)
            tensors.AddRow(
                new Text(tensor.Name),
                new Text("[" + string.Join(", ", tensor.Dimensions) + "]"),
                new Text(tensor.Type.ToString()),
                new Text(tensor.ByteSize.ToString("N0", c)),
                new Text(tensor.DataOffset.ToString("N0", c)));
        console.Write(tensors);
        return 0;
    }

    private static void AddRow(Table table, string field, string value) => table.AddRow(new Text(field), new Text(value));

    private static string TypeName(GgufValue value) => value.Type == GgufValueType.Array
        ? $"{Name(value.ElementType)}[{value.Count.ToString(CultureInfo.InvariantCulture)}]"
        : Name(value.Type);

    private static string Name(GgufValueType type) => type.ToString().ToLowerInvariant();

    private static string Preview(GgufValue value, bool full)
    {
        if (value.Value is not Array array) return Scalar(value.Value, full);
        var shown = full ? array.Length : Math.Min(array.Length, ArrayPreview);
        var builder = new StringBuilder("[");
        for (var i = 0; i < shown; i++)
        {
            if (i > 0) builder.Append(", ");
            var element = array.GetValue(i);
            builder.Append(element is string s ? "\"" + Escape(s, full) + "\"" : Scalar(element, full));
        }
        if (shown < array.Length) builder.Append(CultureInfo.InvariantCulture, $", … {array.Length - shown:N0} more");
        return builder.Append(']').ToString();
    }

    private static string Scalar(object? value, bool full) => value switch
    {
        string s => Escape(s, full),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "",
    };

    private static string Escape(string text, bool full)
    {
        var builder = new StringBuilder(text.Length + 2);
        foreach (var ch in full || text.Length <= StringPreview ? text : text[..StringPreview])
        {
            switch (ch)
            {
                case '\n': builder.Append(@"\n"); break;
                case '\r': builder.Append(@"\r"); break;
                case '\t': builder.Append(@"\t"); break;
                default:
                    if (char.IsControl(ch)) builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)ch:x4}");
                    else builder.Append(ch);
                    break;
            }
        }
        if (!full && text.Length > StringPreview) builder.Append('…');
        return builder.ToString();
    }
}
