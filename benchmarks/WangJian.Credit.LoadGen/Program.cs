using System.CommandLine;
using WangJian.Credit.LoadGen;

var root = new RootCommand("Load generator for the WangJian.Credit benchmarks (see benchmarks/README.md)")
{
    BodiesCommand.Create(),
    ProbeCommand.Create(),
    SeedCommand.Create(),
    WritesCommand.Create(),
    ImportCommand.Create(),
    ScaleCommand.Create(),
    StoreCommand.Create(),
    LongHistoryCommand.Create(),
    UnknownReadsCommand.Create(),
    PolicyCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
