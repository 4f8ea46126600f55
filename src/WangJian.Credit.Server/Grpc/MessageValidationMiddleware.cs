using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Microsoft.AspNetCore.Http.Features;

namespace WangJian.Credit.Server.Grpc;

/// <summary>
/// Checks that the body of a unary call is one whole, well-formed protobuf message of the method's
/// request type before grpc-dotnet sees it. grpc-dotnet answers a message it cannot parse, or a
/// truncated frame, with UNKNOWN; a client that sent bad bytes deserves INVALID_ARGUMENT and a reason.
/// Runs after authorization, so a bad token is still UNAUTHENTICATED whatever the body.
/// Client-streaming calls are checked message by message in <see cref="ErrorInterceptor"/>.
/// </summary>
public sealed class MessageValidationMiddleware(RequestDelegate next)
{
    private const int MaxMessage = 4 * 1024 * 1024;
    private static readonly Dictionary<string, MessageDescriptor> UnaryRequests = BuildMap();

    public async Task InvokeAsync(HttpContext context)
    {
        if (!UnaryRequests.TryGetValue(context.Request.Path.Value ?? string.Empty, out var descriptor)
            || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
        {
            await next(context);
            return;
        }

        // Read the whole body (consuming it, so HTTP/2 flow control moves on), check it, and hand grpc-dotnet
        // a reader over the same bytes. EnableBuffering did the same through a file-backed rewindable stream,
        // ~4 % of the CPU of a call; a reader that examines without consuming stalls Kestrel's flow control.
        var reader = context.Request.BodyReader;
        var body = new ArrayBufferWriter<byte>(256);
        while (true)
        {
            var read = await reader.ReadAsync(context.RequestAborted);
            foreach (var segment in read.Buffer)
            {
                body.Write(segment.Span);
            }

            reader.AdvanceTo(read.Buffer.End);
            if (body.WrittenCount > MaxMessage + 5)
            {
                await RejectAsync(context, global::Grpc.Core.StatusCode.ResourceExhausted, $"message larger than the {MaxMessage}-byte limit");
                return;
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                break;
            }
        }

        var bytes = body.WrittenMemory;
        var problem = Check(new ReadOnlySequence<byte>(bytes), descriptor, context.Request.Headers["grpc-encoding"].ToString());
        if (problem is not null)
        {
            await RejectAsync(context, global::Grpc.Core.StatusCode.InvalidArgument, problem);
            return;
        }

        context.Features.Set<IRequestBodyPipeFeature>(new BufferedBody(PipeReader.Create(new ReadOnlySequence<byte>(bytes))));
        await next(context);
    }

    /// <summary>Null when the body is one complete message of the type; else what is wrong with it.</summary>
    internal static string? Check(ReadOnlySequence<byte> body, MessageDescriptor descriptor, string encoding)
    {
        if (body.Length < 5)
        {
            return $"truncated gRPC frame: {body.Length} bytes, a frame has a 5-byte header";
        }

        Span<byte> header = stackalloc byte[5];
        body.Slice(0, 5).CopyTo(header);
        var compressed = header[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (compressed > 1)
        {
            return $"invalid gRPC frame: compression flag {compressed}";
        }

        if (length > MaxMessage)
        {
            return $"message of {length} bytes exceeds the {MaxMessage}-byte limit";
        }

        if (body.Length - 5 < length)
        {
            return $"truncated gRPC frame: header announces {length} bytes, {body.Length - 5} arrived";
        }

        if (body.Length - 5 > length)
        {
            return "a unary call carries exactly one message; more data followed it";
        }

        if (compressed == 1)
        {
            // Compressed: grpc-dotnet decompresses (or refuses an unknown encoding) and parses it.
            return string.IsNullOrEmpty(encoding) ? "compressed message without a grpc-encoding header" : null;
        }

        try
        {
            descriptor.Parser.ParseFrom(body.Slice(5, length));
            return null;
        }
        catch (InvalidProtocolBufferException e)
        {
            return $"request is not a valid {descriptor.FullName}: {e.Message}";
        }
    }

    private static Task RejectAsync(HttpContext context, global::Grpc.Core.StatusCode code, string problem)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = problem };
        if (code == global::Grpc.Core.StatusCode.InvalidArgument)
        {
            var badRequest = new BadRequest();
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = "(request)", Description = problem });
            status.Details.Add(Google.Protobuf.WellKnownTypes.Any.Pack(badRequest));
        }

        return TrailersOnly.WriteAsync(context.Response, code, problem, status);
    }

    private static Dictionary<string, MessageDescriptor> BuildMap()
    {
        var map = new Dictionary<string, MessageDescriptor>(StringComparer.Ordinal);
        foreach (var file in new[] { V1.RegulatorReflection.Descriptor, V1.CreditReflection.Descriptor, V1.AgencyReflection.Descriptor, V1.PlatformReflection.Descriptor })
        {
            foreach (var service in file.Services)
            {
                foreach (var method in service.Methods.Where(m => !m.IsClientStreaming))
                {
                    map[$"/{service.FullName}/{method.Name}"] = method.InputType;
                }
            }
        }

        return map;
    }
}

/// <summary>The request body as already read and checked, for grpc-dotnet to read again.</summary>
internal sealed class BufferedBody(PipeReader reader) : IRequestBodyPipeFeature
{
    public PipeReader Reader => reader;
}
