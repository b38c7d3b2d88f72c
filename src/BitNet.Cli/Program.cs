using System.Text;
using BitNet.Cli;

// The first Ctrl+C cancels the running command (it stops between tokens and exits with an error line); a second one
// ends the process at once.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !cancellation.IsCancellationRequested;
    cancellation.Cancel();
};
Console.OutputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

return await BitNetCli.RunAsync(args, CliConsole.FromSystemConsole(), cancellation.Token);
