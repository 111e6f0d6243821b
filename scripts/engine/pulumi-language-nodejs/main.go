// Command pulumi-language-nodejs is a minimal Node.js language host for the Pulumi engine.
//
// It exists because the upstream host (module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)
// is not available from the Go module proxy, and the CLI needs a `pulumi-language-nodejs` binary on PATH (or next
// to `pulumi`) to run a project with `runtime: nodejs`. It covers what `pulumi preview/up/refresh/destroy` (and the
// Automation API with a local program) need: run an already-installed Node.js/TypeScript program through
// @pulumi/pulumi's own entry point (`@pulumi/pulumi/cmd/run`); and what `--policy-pack` and `pulumi policy analyze`
// need: run a Node.js policy pack through `@pulumi/pulumi/cmd/run-policy-pack` (RunPlugin). It never installs
// packages or plugins.
//
// Protocol with the engine (sdk/go/common/resource/plugin): the engine starts this binary with optional logging and
// tracing flags followed by its own gRPC address, reads the port of our gRPC server from the first line of stdout,
// and from then on shows everything we (and the node child, which shares our stdout/stderr) print as program output.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// version is reported by GetPluginInfo; it matches the CLI and @pulumi/pulumi it is built for.
// Override with -ldflags "-X main.version=...".
var version = "3.248.0"

// bailExitCode is the exit code of @pulumi/pulumi/cmd/run when the program failed and the SDK has already
// reported the error to the engine (nodeJSProcessExitedAfterLoggingUserActionableMessage in cmd/run/index.js).
// The engine must then stop without printing anything further, which is what RunResponse.bail means.
const bailExitCode = 32

// runModule is the program launcher of the Node.js SDK, resolved from the program's directory so that the
// program and the launcher share the same copy of @pulumi/pulumi.
const runModule = "@pulumi/pulumi/cmd/run"

// policyPackModule is the SDK's launcher of policy packs (it loads the pack, whose @pulumi/policy serves the
// Analyzer gRPC service and prints its port), resolved from the pack's directory as upstream does.
const policyPackModule = "@pulumi/pulumi/cmd/run-policy-pack"

func main() {
	// The engine passes these only when the user enabled logging/tracing (plugin.buildPluginArguments). A private
	// flag set, because a dependency (glog) already registers -v and -logtostderr on flag.CommandLine.
	flags := flag.NewFlagSet("pulumi-language-nodejs", flag.ExitOnError)
	logToStderr := flags.Bool("logtostderr", false, "log to stderr instead of to a file")
	verbose := flags.Int("v", 0, "log verbosity")
	tracing := flags.String("tracing", "", "tracing endpoint, forwarded to the Node.js program")
	_ = flags.Parse(os.Args[1:]) // ExitOnError: exits instead of returning an error
	logging.InitLogging(*logToStderr, *verbose, false)

	if flags.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-language-nodejs [-v=N] [-logtostderr] [-tracing URL] ENGINE_ADDRESS")
		os.Exit(2)
	}
	engineAddress := flags.Arg(0)

	// Stop if the engine goes away without killing us (the engine normally kills our process group, which includes
	// any node child, when it is done with us; a pulumi killed hard does not). Checked every second, and a program
	// still running is killed then (see Run), so nothing of a dead run keeps going.
	stop := make(chan bool)
	ctx, engineGone := context.WithCancel(context.Background())
	if err := rpcutil.Healthcheck(ctx, engineAddress, time.Second, engineGone); err != nil {
		fmt.Fprintf(os.Stderr, "cannot connect to the engine at %s: %v\n", engineAddress, err)
		os.Exit(1)
	}
	go func() {
		<-ctx.Done()
		close(stop)
	}()

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, &host{engineAddress: engineAddress, tracing: *tracing, engine: ctx})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot start the language host: %v\n", err)
		os.Exit(1)
	}

	// The engine reads exactly one line with the port from stdout.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// host implements the RPCs of pulumirpc.LanguageRuntimeServer that the engine needs for deployments. Every other
// RPC answers Unimplemented (from the embedded type), which the engine treats as "not supported" where it matters:
//   - Handshake: only called when attaching to an already running host (PULUMI_DEBUG_LANGUAGES); a spawned
//     host is probed with a plain connection test and gets the engine address on its command line.
//   - Cancel: the engine ignores Unimplemented and then kills our process group, node child included.
//   - GetProgramDependencies: only `pulumi about`, which prints the error and carries on.
//   - RuntimeOptionsPrompts, Template: `pulumi new`, which skips them.
//   - GenerateProgram/Project/Package, Pack, Link: codegen and `pulumi package` commands, which this project does
//     not use. RunPlugin runs policy packs only (see there).
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engineAddress string
	tracing       string
	// Done when the engine is gone.
	engine context.Context
}

// GetPluginInfo reports the host's version.
func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPackages reports no packages. The engine would try to install (download) any plugin listed here
// before running the program; ours needs none up front: the dynamic provider plugin (pulumi-resource-pulumi-nodejs)
// is found next to the CLI when the program first registers a dynamic resource.
func (h *host) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// GetRequiredPlugins is the deprecated predecessor of GetRequiredPackages, answered the same way for callers
// that still use it.
func (h *host) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

// InstallDependencies (`pulumi install`, `pulumi new`, `pulumi up <template>`) does not run a package manager: we
// work offline and expect node_modules to be in place. It only checks that @pulumi/pulumi resolves from the
// program directory. It must be implemented: the engine does not cope with Unimplemented here.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory()
	}
	path, err := resolveModule(stream.Context(), dir, runModule)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Not installing dependencies (offline language host); using %s\n", path)
	return stream.Send(&pulumirpc.InstallDependenciesResponse{Stdout: []byte(msg)})
}

// About reports the node executable and its version (shown by `pulumi about`, recorded in update metadata).
func (h *host) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running %s --version: %w", node, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

// Run runs the program with `node @pulumi/pulumi/cmd/run [flags] <entry point> [args]` in the program directory
// and waits for it to exit. The program talks to the engine itself (resource monitor and engine addresses); its
// stdout and stderr are ours, so the engine shows them as program output.
//
// Outcomes: exit 0 is success; exit 32 means the SDK already reported the error to the engine, so we answer
// bail; any other failure is returned as the error text, which the engine prints ("an unhandled error occurred").
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return nil, errors.New("this Node.js language host cannot attach a debugger")
	}
	info := req.GetInfo()
	pwd := req.GetPwd()

	launcher, err := resolveModule(ctx, pwd, runModule)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	opts := runtimeOptionsOf(info.GetOptions())

	// Config travels in the environment, as JSON, where @pulumi/pulumi's runtime/config.ts reads it. A stack without
	// config must get {} as upstream sends it: "null" makes every pulumi.Config().get() in the program throw.
	stackConfig := req.GetConfig()
	if stackConfig == nil {
		stackConfig = map[string]string{}
	}
	config, err := json.Marshal(stackConfig)
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(append([]string{}, req.GetConfigSecretKeys()...)) // [] rather than null
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
	)
	env = append(env, opts.env()...)

	// Flags of cmd/run (see its usage()). The `--name=value` form keeps values that start with "-" intact.
	args := append(strings.Fields(opts.nodeargs), launcher,
		"--monitor="+req.GetMonitorAddress(),
		"--engine="+h.engineAddress,
		"--organization="+req.GetOrganization(),
		"--project="+req.GetProject(),
		"--stack="+req.GetStack(),
		"--root-directory="+info.GetRootDirectory(),
		"--pwd="+pwd,
		"--parallel="+strconv.Itoa(int(req.GetParallel())),
	)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if h.tracing != "" {
		args = append(args, "--tracing="+h.tracing)
	}
	// The entry point is relative to pwd; "." lets cmd/run pick package.json's main/exports, then index.{ts,js}.
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args = append(append(args, entry), req.GetArgs()...)

	// CommandContext kills node if the engine abandons the call or is gone: the server stops gracefully, which waits
	// for this call, and would otherwise wait for the program to finish on its own.
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	defer context.AfterFunc(h.engine, stopRun)()
	cmd := exec.CommandContext(runCtx, "node", args...)
	cmd.Dir = pwd
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	logging.V(5).Infof("running program: node %s (in %s)", strings.Join(args, " "), pwd)

	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == bailExitCode:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() > 0:
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
		}, nil
	default: // node could not be started, or was killed by a signal
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("running node: %v", err)}, nil
	}
}

// RunPlugin runs a Node.js policy pack (kind "analyzer": `--policy-pack DIR`, `pulumi policy analyze`) the way
// upstream's host does: `node @pulumi/pulumi/cmd/run-policy-pack ENGINE_ADDRESS DIR` in the pack's directory, its
// output streamed back to the engine, which reads the analyzer's port from the first line of stdout.
//
// The engine sends the stack's configuration over the Analyzer service (ConfigureStack) after it has the port,
// while the SDK's launcher reads it from the environment at start-up, so the port the engine first reads is that of
// sdk.PolicyProxy: the proxy takes the configuration, we start node with it in PULUMI_CONFIG (and the stack's
// names), and the proxy forwards every later call to the pack. This is upstream's own proxy, used by its host too.
//
// Other kinds of Node.js plugins (resource providers, converters, tools) are refused: nothing here runs them.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if req.GetKind() != string(apitype.AnalyzerPlugin) {
		return status.Errorf(codes.Unimplemented,
			"this Node.js language host runs policy packs only, not %q plugins", req.GetKind())
	}
	if req.GetAttachDebugger() {
		return errors.New("this Node.js language host cannot attach a debugger")
	}
	// Ends when the engine cancels the call (it kills the plugin so) or is gone; node is killed then.
	ctx, stop := context.WithCancel(server.Context())
	defer stop()
	defer context.AfterFunc(h.engine, stop)()

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close() // best effort; closed explicitly, and checked, at the end

	dir := req.GetInfo().GetProgramDirectory()
	launcher, err := resolveModule(ctx, dir, policyPackModule)
	if err != nil {
		return err
	}
	opts := runtimeOptionsOf(req.GetInfo().GetOptions())
	env := append(append([]string{}, req.GetEnv()...), opts.env()...)
	// The engine passes its address as the only argument; the pack's directory comes last, as the launcher expects.
	args := append(append(append(strings.Fields(opts.nodeargs), launcher), req.GetArgs()...), dir)

	proxy, packStdout, err := sdk.NewPolicyProxy(ctx, stdout)
	if err != nil {
		return fmt.Errorf("could not start the policy pack proxy: %w", err)
	}
	stack, err := proxy.AwaitConfiguration(ctx)
	if err != nil {
		return fmt.Errorf("could not get the stack configuration for the policy pack: %w", err)
	}
	// nil when the engine asked for something else first (`pulumi policy analyze` configures no stack): the pack
	// then runs without stack config, as upstream's does.
	if stack != nil {
		config, err := json.Marshal(stack.GetConfig())
		if err != nil {
			return err
		}
		env = append(env,
			"PULUMI_CONFIG="+string(config),
			"PULUMI_NODEJS_ORGANIZATION="+stack.GetOrganization(),
			"PULUMI_NODEJS_PROJECT="+stack.GetProject(),
			"PULUMI_NODEJS_STACK="+stack.GetStack(),
			"PULUMI_NODEJS_DRY_RUN="+strconv.FormatBool(stack.GetDryRun()),
		)
	}

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = dir // as upstream: packs have always run in their own directory
	cmd.Env = env
	cmd.Stdout = packStdout
	cmd.Stderr = stderr
	logging.V(5).Infof("running policy pack: node %s (in %s)", strings.Join(args, " "), dir)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("running node: %w", err)
	}
	// Attach waits for node to exit, serving the engine's calls through the proxy meanwhile.
	if err := proxy.Attach(ctx, cmd); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) && exitErr.ExitCode() > 0 {
			return fmt.Errorf("policy pack %s exited with non-zero exit code: %d", dir, exitErr.ExitCode())
		}
		return fmt.Errorf("policy pack %s: %w", dir, err)
	}
	return closer.Close()
}

// runtimeOptions are the `runtime: {name: nodejs, options: {...}}` settings of Pulumi.yaml or PulumiPolicy.yaml.
type runtimeOptions struct {
	typescript bool
	tsconfig   string
	nodeargs   string
}

// runtimeOptionsOf reads them; as upstream, TypeScript is on unless `typescript: false` (@pulumi/pulumi then
// compiles .ts sources with ts-node).
func runtimeOptionsOf(options *structpb.Struct) runtimeOptions {
	m := options.AsMap()
	opts := runtimeOptions{typescript: true}
	if v, ok := m["typescript"].(bool); ok {
		opts.typescript = v
	}
	opts.tsconfig, _ = m["tsconfig"].(string)
	opts.nodeargs, _ = m["nodeargs"].(string)
	return opts
}

// env is how @pulumi/pulumi's launchers receive the options.
func (o runtimeOptions) env() []string {
	env := []string{"PULUMI_NODEJS_TYPESCRIPT=" + strconv.FormatBool(o.typescript)}
	if o.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfig)
	}
	return env
}

// resolveModule asks node where `require(module)` leads from dir, which honours node_modules lookup up the tree,
// symlinks, package "exports" and NODE_PATH exactly as the program itself will.
func resolveModule(ctx context.Context, dir, module string) (string, error) {
	cmd := exec.CommandContext(ctx, "node", "-e", "process.stdout.write(require.resolve(process.argv[1]))", module)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			// require.resolve failed: the SDK is not installed where the program can see it.
			return "", fmt.Errorf("cannot find %s from %s; install the project's dependencies (npm install) "+
				"before running Pulumi", module, dir)
		}
		return "", fmt.Errorf("cannot run node to locate %s: %w", module, err)
	}
	return string(out), nil
}
