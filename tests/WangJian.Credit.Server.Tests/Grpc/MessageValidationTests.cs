using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Grpc;

[Trait("Category", "Unit")]
public sealed class MessageValidationTests
{
    private static readonly Marshaller<GetCreditStatusRequest> Checked =
        CheckedRequestMessages.Checked(Marshallers.Create(m => m.ToByteArray(), GetCreditStatusRequest.Parser.ParseFrom));

    [Fact]
    public void CheckFrame_OneWholeFrame_IsFine()
    {
        Assert.Null(MessageValidationMiddleware.CheckFrame(Frame(new GetCreditStatusRequest { OperatorId = "91330106673959654P" }.ToByteArray()), string.Empty));
    }

    public static TheoryData<byte[], string> BadFrames() => new()
    {
        { [0, 0, 0], "truncated gRPC frame: 3 bytes" },
        { Frame([0x0a, 0x05, 0x41], announce: 4).ToArray(), "header announces 4 bytes, 3 arrived" },
        { [.. Frame([0x0a, 0x01, 0x41]).ToArray(), 0x00], "more data followed it" },
        { [2, 0, 0, 0, 0], "compression flag 2" },
        { [0, 0, 0, 0, 9, 0x0a], "header announces 9 bytes, 1 arrived" },
        { [1, 0, 0, 0, 0], "compressed message without a grpc-encoding header" },
        { [0, 0x7f, 0xff, 0xff, 0xff], "exceeds the" },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public void CheckFrame_BadFrames_SayWhatIsWrong(byte[] body, string expected)
    {
        var problem = MessageValidationMiddleware.CheckFrame(new ReadOnlySequence<byte>(body), string.Empty);

        Assert.NotNull(problem);
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void CheckedDeserializer_WholeMessage_ParsesIt()
    {
        var message = Checked.ContextualDeserializer(new Payload(new GetCreditStatusRequest { OperatorId = "91330106673959654P" }.ToByteArray()));

        Assert.Equal("91330106673959654P", message.OperatorId);
    }

    [Theory]
    [InlineData(new byte[] { 0x0a, 0x01 })]
    [InlineData(new byte[] { 0x0a, 0x05, 0x41 })]
    [InlineData(new byte[] { 0xff, 0xff, 0xff })]
    public void CheckedDeserializer_BadBytes_AreInvalidArgumentWithTheFieldViolation(byte[] payload)
    {
        var e = Assert.Throws<RpcException>(() => Checked.ContextualDeserializer(new Payload(payload)));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("request is not a valid wangjian.credit.v1.GetCreditStatusRequest", e.Status.Detail);
        var badRequest = e.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>();
        Assert.Equal("(request)", Assert.Single(badRequest.FieldViolations).Field);
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

    /// <summary>A received message as grpc-dotnet hands it to a deserializer.</summary>
    private sealed class Payload(byte[] bytes) : DeserializationContext
    {
        public override int PayloadLength => bytes.Length;

        public override byte[] PayloadAsNewBuffer() => (byte[])bytes.Clone();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(bytes);
    }
}
