using System.Buffers.Binary;
using System.CommandLine;
using Google.Protobuf;
using WangJian.Credit.V1;

namespace WangJian.Credit.LoadGen;

/// <summary>
/// <c>bodies --out DIR</c>: one gRPC-framed request body per benchmarked call (1 byte compressed flag,
/// 4 bytes big-endian length, the message), for <c>h2load -d</c>.
/// </summary>
public static class BodiesCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Directory to write the bodies to", Required = true };
        var matter = new Option<string>("--matter") { Description = "Matter of the CheckOperator calls", DefaultValueFactory = _ => "GOV_FUNDING" };
        var batch = new Option<int>("--batch") { Description = "Operators in the BatchGetCreditStatus body", DefaultValueFactory = _ => 100 };
        var command = new Command("bodies", "Write gRPC-framed request bodies for h2load") { output, matter, batch };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(output)!;
            Directory.CreateDirectory(dir);
            var m = parse.GetValue(matter)!;
            Write(dir, "check-clean.bin", new CheckOperatorRequest { OperatorId = Ids.Clean, Matter = m });
            Write(dir, "check-listed.bin", new CheckOperatorRequest { OperatorId = Ids.Listed, Matter = m });
            Write(dir, "status.bin", new GetCreditStatusRequest { OperatorId = Ids.Of(Ids.History, 0) });
            var request = new BatchGetCreditStatusRequest();
            request.OperatorIds.AddRange(Enumerable.Range(0, parse.GetValue(batch)).Select(i => Ids.Of(Ids.History, i)));
            Write(dir, "batch.bin", request);
            return 0;
        });
        return command;
    }

    private static void Write(string dir, string name, IMessage message)
    {
        var payload = message.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        File.WriteAllBytes(Path.Combine(dir, name), frame);
        Console.WriteLine($"{Path.Combine(dir, name)}: {frame.Length} bytes");
    }
}
