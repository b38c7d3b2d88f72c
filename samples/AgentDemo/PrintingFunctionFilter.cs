using Microsoft.SemanticKernel;

namespace AgentDemo;

/// <summary>A Semantic Kernel filter that prints each kernel function the model has called, with its arguments and result.</summary>
internal sealed class PrintingFunctionFilter(TextWriter output) : IFunctionInvocationFilter
{
    public async Task OnFunctionInvocationAsync(Microsoft.SemanticKernel.FunctionInvocationContext context,
                                                Func<Microsoft.SemanticKernel.FunctionInvocationContext, Task> next)
    {
        await next(context);
        var arguments = new Dictionary<string, object?>();
        foreach (var (name, value) in context.Arguments) arguments[name] = value;
        await output.WriteLineAsync(Environment.NewLine + ToolCallLines.Call(context.Function.Name, arguments));
        await output.WriteLineAsync(ToolCallLines.Result(context.Result));
    }
}
