namespace AgentDemo;

/// <summary>How the demo prints a tool call and its result on the console.</summary>
public static class ToolCallLines
{
    /// <summary>The line for a call: <c>[call Name({"arg":…})]</c>.</summary>
    public static string Call(string name, IDictionary<string, object?>? arguments) =>
        $"[call {name}({System.Text.Json.JsonSerializer.Serialize(arguments ?? new Dictionary<string, object?>())})]";

    /// <summary>The line for a result: <c>[result …]</c>.</summary>
    public static string Result(object? result) => $"[result {result}]";
}
