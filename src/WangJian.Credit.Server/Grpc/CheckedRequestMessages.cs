using System.Reflection;
using Google.Protobuf;
using Google.Rpc;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace WangJian.Credit.Server.Grpc;

/// <summary>
/// Binds every gRPC service the way grpc-dotnet's own binder does (the generated <c>BindService</c>, the service's
/// and the method's attributes as endpoint metadata), but with a request deserializer that answers a message
/// it cannot parse with INVALID_ARGUMENT and the reason, where grpc-dotnet answers UNKNOWN. So each request is
/// parsed once, by grpc-dotnet, after authorization; <see cref="MessageValidationMiddleware"/> checks only the
/// frame around it.
/// </summary>
/// <remarks>
/// Replaces grpc-dotnet's binder provider (the JSON transcoding provider, which builds the REST routes, stays).
/// Parsing each unary body in a middleware as well, to be able to refuse bad bytes, was ~5 % of a read's CPU.
/// </remarks>
public static class CheckedRequestMessages
{
    /// <summary>In place of grpc-dotnet's binder provider (registered by AddGrpc): called after everything that calls AddGrpc.</summary>
    public static void Use(IServiceCollection services)
    {
        var binders = services.Where(d => d.ServiceType == typeof(IServiceMethodProvider<>) && d.ImplementationType?.Name == "BinderServiceMethodProvider`1").ToList();
        if (binders.Count == 0)
        {
            throw new InvalidOperationException("grpc-dotnet's service binder was not found to replace (CheckedRequestMessages)");
        }

        binders.ForEach(d => services.Remove(d));

        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(CheckedMethodProvider<>)));
    }

    /// <summary>A deserializer that turns a parse failure into INVALID_ARGUMENT with a field violation.</summary>
    internal static Marshaller<T> Checked<T>(Marshaller<T> marshaller)
    {
        var typeName = (typeof(T).GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as Google.Protobuf.Reflection.MessageDescriptor)?.FullName ?? typeof(T).Name;
        return new(marshaller.ContextualSerializer, context =>
        {
            try
            {
                return marshaller.ContextualDeserializer(context);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw Invalid($"request is not a valid {typeName}: {e.Message}");
            }
        });
    }

    /// <summary>INVALID_ARGUMENT for a request message, with the problem as a violation of the field <c>(request)</c>.</summary>
    internal static RpcException Invalid(string problem) => Status(StatusCode.InvalidArgument, problem).ToRpcException();

    internal static Google.Rpc.Status Status(StatusCode code, string problem)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = problem };
        if (code == StatusCode.InvalidArgument)
        {
            var badRequest = new BadRequest();
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = "(request)", Description = problem });
            status.Details.Add(Google.Protobuf.WellKnownTypes.Any.Pack(badRequest));
        }

        return status;
    }

    internal static Method<TRequest, TResponse> WithChecked<TRequest, TResponse>(Method<TRequest, TResponse> method) =>
        new(method.Type, method.ServiceName, method.Name, Checked(method.RequestMarshaller), method.ResponseMarshaller);
}

/// <summary>grpc-dotnet's binding of a generated service, with <see cref="CheckedRequestMessages.Checked"/> request deserializers.</summary>
public sealed class CheckedMethodProvider<TService> : IServiceMethodProvider<TService> where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        var type = typeof(TService);
        BindServiceMethodAttribute? bind = null;
        while (type is not null && (bind = type.GetCustomAttribute<BindServiceMethodAttribute>()) is null)
        {
            type = type.BaseType;
        }

        if (bind is null || type is null)
        {
            return;
        }

        var bindService = bind.BindType.GetMethod(bind.BindMethodName, BindingFlags.Public | BindingFlags.Static, [typeof(ServiceBinderBase), type])
            ?? throw new InvalidOperationException($"{bind.BindType}.{bind.BindMethodName} not found for {typeof(TService)}");
        // The generated base class, whose methods the service overrides (the attribute is found on the service too).
        bindService.Invoke(null, [new Binder(context, bindService.GetParameters()[1].ParameterType), null]);
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context, Type declaringType) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext));
            context.AddUnaryMethod(CheckedRequestMessages.WithChecked(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddServerStreamingMethod(CheckedRequestMessages.WithChecked(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            // Streamed messages are checked one by one as they are read (ErrorInterceptor).
            var (invoker, metadata) = Model<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
            context.AddClientStreamingMethod(method, metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddDuplexStreamingMethod(method, metadata, invoker);
        }

        /// <summary>The service's override of the generated method, as an open delegate, and its metadata (the type's attributes first, the method's after, so the method's win).</summary>
        private (TDelegate Invoker, List<object> Metadata) Model<TDelegate>(string name, params Type[] parameters) where TDelegate : Delegate
        {
            var handler = Find(name, parameters) ?? throw new InvalidOperationException($"could not find '{name}' on {typeof(TService)}");
            var metadata = new List<object>(typeof(TService).GetCustomAttributes(inherit: true));
            metadata.AddRange(handler.GetCustomAttributes(inherit: true));
            metadata.Add(new HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
            return ((TDelegate)Delegate.CreateDelegate(typeof(TDelegate), handler), metadata);
        }

        /// <summary>The public instance method that overrides the generated base's (a method merely hiding it does not count).</summary>
        private MethodInfo? Find(string name, Type[] parameters)
        {
            for (var type = typeof(TService); type is not null; type = type.BaseType)
            {
                var method = type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance, parameters);
                if (method is null)
                {
                    return null;
                }

                if (method.IsVirtual && method.GetBaseDefinition().DeclaringType == declaringType)
                {
                    return method;
                }
            }

            return null;
        }
    }
}
