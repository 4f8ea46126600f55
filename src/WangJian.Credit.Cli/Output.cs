using Google.Protobuf;
using Spectre.Console;

namespace WangJian.Credit.Cli;

/// <summary>Where a command writes: a Spectre console for people, plain JSON lines for scripts.</summary>
public sealed class Output
{
    /// <summary>Default values are written too, so a script sees <c>"score": 0</c> and <c>"blacklisted": false</c>.</summary>
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public Output(TextWriter output, TextWriter error, bool json)
    {
        Writer = output;
        ErrorWriter = error;
        Json = json;
        Console = CreateConsole(output);
        Error = CreateConsole(error);
    }

    public TextWriter Writer { get; }

    public TextWriter ErrorWriter { get; }

    /// <summary>--json: machine-readable output on stdout, nothing else there.</summary>
    public bool Json { get; }

    public IAnsiConsole Console { get; }

    public IAnsiConsole Error { get; }

    public static string ToJson(IMessage message) => Formatter.Format(message);

    public void WriteJson(IMessage message) => Writer.WriteLine(ToJson(message));

    private static IAnsiConsole CreateConsole(TextWriter writer)
    {
        var terminal = (ReferenceEquals(writer, System.Console.Out) && !System.Console.IsOutputRedirected)
            || (ReferenceEquals(writer, System.Console.Error) && !System.Console.IsErrorRedirected);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            // Redirected to a file or a pipe: wide enough that decision numbers and legal bases do not wrap.
            console.Profile.Width = 200;
        }

        return console;
    }
}
