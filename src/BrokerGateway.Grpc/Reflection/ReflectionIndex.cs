using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace BrokerGateway.Grpc.Reflection;

/// <summary>
/// The files, symbols and extensions reflection can answer about: every registered descriptor and,
/// transitively, the files it imports (server-reflection.md: a client builds its pool from them).
/// </summary>
internal sealed class ReflectionIndex
{
    readonly Dictionary<string, FileDescriptor> _byFile = new(StringComparer.Ordinal);
    readonly Dictionary<string, FileDescriptor> _bySymbol = new(StringComparer.Ordinal);
    readonly Dictionary<(string, int), FileDescriptor> _byExtension = [];
    readonly Dictionary<string, List<int>> _extensionNumbers = new(StringComparer.Ordinal);

    public ReflectionIndex(IEnumerable<string> services, IEnumerable<FileDescriptor> files)
    {
        Services = services.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        foreach (var file in files) Add(file);
    }

    public IReadOnlyList<string> Services { get; }

    public FileDescriptor? FindFile(string name) => _byFile.GetValueOrDefault(name);
    public FileDescriptor? FindSymbol(string symbol) => _bySymbol.GetValueOrDefault(symbol);
    public FileDescriptor? FindExtension(string type, int number) => _byExtension.GetValueOrDefault((type, number));

    /// <summary>Null when the message type is unknown.</summary>
    public IReadOnlyList<int>? ExtensionNumbers(string type) =>
        _extensionNumbers.TryGetValue(type, out var numbers) ? numbers : _bySymbol.ContainsKey(type) ? [] : null;

    /// <summary>The file first, then everything it imports, each once.</summary>
    public static IEnumerable<ByteString> WithDependencies(FileDescriptor file)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<FileDescriptor>();
        stack.Push(file);
        while (stack.Count > 0)
        {
            var next = stack.Pop();
            if (!seen.Add(next.Name)) continue;
            yield return next.SerializedData;
            foreach (var dependency in next.Dependencies.Reverse()) stack.Push(dependency);
        }
    }

    void Add(FileDescriptor file)
    {
        if (!_byFile.TryAdd(file.Name, file)) return;
        foreach (var dependency in file.Dependencies) Add(dependency);
        foreach (var service in file.Services)
        {
            _bySymbol.TryAdd(service.FullName, file);
            foreach (var method in service.Methods) _bySymbol.TryAdd(service.FullName + "." + method.Name, file);
        }
        foreach (var message in file.MessageTypes) AddMessage(file, message);
        foreach (var e in file.EnumTypes) AddEnum(file, e);
        foreach (var extension in file.Extensions.UnorderedExtensions) AddExtension(file, extension);
    }

    void AddMessage(FileDescriptor file, MessageDescriptor message)
    {
        _bySymbol.TryAdd(message.FullName, file);
        foreach (var field in message.Fields.InDeclarationOrder()) _bySymbol.TryAdd(field.FullName, file);
        foreach (var oneof in message.Oneofs) _bySymbol.TryAdd(oneof.FullName, file);
        foreach (var nested in message.NestedTypes) AddMessage(file, nested);
        foreach (var e in message.EnumTypes) AddEnum(file, e);
        foreach (var extension in message.Extensions.UnorderedExtensions) AddExtension(file, extension);
    }

    void AddEnum(FileDescriptor file, EnumDescriptor e)
    {
        _bySymbol.TryAdd(e.FullName, file);
        // Enum values are scoped beside their enum, not inside it (descriptor.proto).
        var scope = e.FullName[..(e.FullName.LastIndexOf('.') + 1)];
        foreach (var value in e.Values) _bySymbol.TryAdd(scope + value.Name, file);
    }

    void AddExtension(FileDescriptor file, FieldDescriptor extension)
    {
        _bySymbol.TryAdd(extension.FullName, file);
        var type = extension.ExtendeeType.FullName;
        _byExtension.TryAdd((type, extension.FieldNumber), file);
        if (!_extensionNumbers.TryGetValue(type, out var numbers)) _extensionNumbers[type] = numbers = [];
        if (!numbers.Contains(extension.FieldNumber)) numbers.Add(extension.FieldNumber);
    }
}
