using System.CommandLine;

namespace WangJian.Credit.LoadGen;

/// <summary><c>import</c>: one ImportViolations stream of <c>--rows</c> new decisions over <c>--operators</c> operators.</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var server = Common.Server();
        var tokens = Common.Tokens();
        var rows = new Option<long>("--rows") { Description = "Rows to import", DefaultValueFactory = _ => 200_000 };
        var operators = new Option<long>("--operators") { Description = "Operators the rows are spread over (round-robin)", DefaultValueFactory = _ => 10_000 };
        var command = new Command("import", "ImportViolations throughput") { server, tokens, rows, operators };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var s = new Server(parse.GetValue(server)!, parse.GetValue(tokens)!);
            var (response, elapsed) = await Importer.RunAsync(s, Ids.Import, parse.GetValue(rows), parse.GetValue(operators), "import", cancellationToken);
            Console.WriteLine($"import: {Importer.Describe(response, elapsed)}, over {parse.GetValue(operators)} operators");
            return response.Rejected == 0 ? 0 : 1;
        });
        return command;
    }
}
