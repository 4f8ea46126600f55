using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Grpc;

[Trait("Category", "Unit")]
public sealed class MessageValidationTests
{
    private static readonly MessageDescriptor Request = GetCreditStatusRequest.Descriptor;

    [Fact]
    public void Check_OneWholeMessage_ParsesIt()
    {
        var problem = MessageValidationMiddleware.Check(Frame(new GetCreditStatusRequest { OperatorId = "91330106673959654P" }.ToByteArray()), Request, string.Empty, out var message);

        Assert.Null(problem);
        Assert.Equal("91330106673959654P", ((GetCreditStatusRequest)message!).OperatorId);
    }

    public static TheoryData<byte[], string> BadBodies() => new()
    {
        { [0, 0, 0], "truncated gRPC frame: 3 bytes" },
        { Frame([0x0a, 0x05, 0x41], announce: 3).ToArray(), "is not a valid" },
        { [.. Frame([0x0a, 0x01, 0x41]).ToArray(), 0x00], "more data followed it" },
        { [2, 0, 0, 0, 0], "compression flag 2" },
        { Frame([0x0a, 0x01]).ToArray(), "request is not a valid wangjian.credit.v1.GetCreditStatusRequest" },
        { [0, 0, 0, 0, 9, 0x0a], "header announces 9 bytes, 1 arrived" },
        { [1, 0, 0, 0, 0], "compressed message without a grpc-encoding header" },
        { [0, 0x7f, 0xff, 0xff, 0xff], "exceeds the" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public void Check_BadBodies_SayWhatIsWrong(byte[] body, string expected)
    {
        var problem = MessageValidationMiddleware.Check(new ReadOnlySequence<byte>(body), Request, string.Empty, out var message);

        Assert.NotNull(problem);
        Assert.Contains(expected, problem);
        Assert.Null(message);
    }

    [Fact]
    public void Map_CoversEveryUnaryRpcOfEveryService()
    {
        // A service added without registering its messages would skip the check and answer grpc-dotnet's UNKNOWN.
        var files = typeof(GetCreditStatusRequest).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(GetCreditStatusRequest).Namespace && t.Name.EndsWith("Reflection", StringComparison.Ordinal))
            .Select(t => (FileDescriptor)t.GetProperty("Descriptor")!.GetValue(null)!);
        var unary = files.SelectMany(f => f.Services)
            .Where(s => s.Name != "NoticeReceiverService") // implemented by agencies, not served here
            .SelectMany(s => s.Methods.Where(m => !m.IsClientStreaming).Select(m => $"/{s.FullName}/{m.Name}"))
            .ToArray();

        Assert.NotEmpty(unary);
        Assert.All(unary, path => Assert.True(MessageValidationMiddleware.Checks(path), path));
    }

    private static ReadOnlySequence<byte> Frame(byte[] payload, int? announce = null)
    {
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)(announce ?? payload.Length));
        payload.CopyTo(frame, 5);
        return new ReadOnlySequence<byte>(frame);
    }
}
