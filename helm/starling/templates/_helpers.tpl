{{/*
Names, labels, image and env rendering shared by every template (docs/adr/0005-kubernetes-packaging.md).
*/}}

{{/* The chart name (app.kubernetes.io/name). */}}
{{- define "starling.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Resource name prefix: <release>-starling, or the release name when it already contains the chart name. */}}
{{- define "starling.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's resource name: (dict "root" $ "component" "gateway") → <fullname>-gateway. */}}
{{- define "starling.componentName" -}}
{{- printf "%s-%s" (include "starling.fullname" .root | trunc 52 | trimSuffix "-") .component -}}
{{- end -}}

{{- define "starling.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Selector labels of a component (stable across upgrades: never add to these). Takes
(dict "root" $ "component" "gateway"), or the root context alone for release-wide objects (no component).
*/}}
{{- define "starling.selectorLabels" -}}
{{- $root := . -}}
{{- $component := "" -}}
{{- if hasKey . "root" -}}{{- $root = .root -}}{{- $component = .component -}}{{- end -}}
app.kubernetes.io/name: {{ include "starling.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
{{- with $component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end -}}

{{/* Every label of an object: selector labels plus chart, version and manager (same two call forms). */}}
{{- define "starling.labels" -}}
{{- $root := . -}}
{{- if hasKey . "root" -}}{{- $root = .root -}}{{- end -}}
{{ include "starling.selectorLabels" . }}
helm.sh/chart: {{ include "starling.chart" $root }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod template labels: the object labels plus the component's podLabels. */}}
{{- define "starling.podLabels" -}}
{{ include "starling.labels" . }}
{{- with .podLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "starling.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "starling.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository:tag or repository@digest from an image block; .defaultTag when the tag is empty. */}}
{{- define "starling.imageRef" -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (default .defaultTag .image.tag | toString) -}}
{{- end -}}
{{- end -}}

{{- define "starling.image" -}}
{{- include "starling.imageRef" (dict "image" .Values.image "defaultTag" .Chart.AppVersion) -}}
{{- end -}}

{{/*
A value as an environment string: integers that YAML parsing turned into float64 are printed whole
(100000, never 1e+05), booleans as true/false, everything else as written.
*/}}
{{- define "starling.envValue" -}}
{{- $v := . -}}
{{- if kindIs "float64" $v -}}
{{- if eq $v (floor $v) -}}{{- $v | int64 -}}{{- else -}}{{- $v -}}{{- end -}}
{{- else -}}
{{- $v | toString -}}
{{- end -}}
{{- end -}}

{{/*
ConfigMap data from a component's config map: camelCase key → <PREFIX>_UPPER_SNAKE
(gateway.config.maxConnections → GATEWAY_MAX_CONNECTIONS, offlineQos0 → GATEWAY_OFFLINE_QOS0).
Usage: include "starling.configEnv" (dict "prefix" "GATEWAY" "config" .Values.gateway.config)
*/}}
{{- define "starling.configEnv" -}}
{{- $prefix := .prefix -}}
{{- range $key, $value := .config }}
{{- if not (kindIs "invalid" $value) }}
{{ printf "%s_%s" $prefix (include "starling.upperSnake" $key) }}: {{ include "starling.envValue" $value | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* camelCase → UPPER_SNAKE; a digit stays with the word before it (offlineQos0 → OFFLINE_QOS0). */}}
{{- define "starling.upperSnake" -}}
{{- regexReplaceAll "([a-z0-9])([A-Z])" . "${1}_${2}" | upper -}}
{{- end -}}

{{/* host:port of every store shard, in shard order, through the headless Service's stable names. */}}
{{- define "starling.storeAddresses" -}}
{{- $name := include "starling.componentName" (dict "root" . "component" "store") -}}
{{- $headless := printf "%s-headless" $name -}}
{{- $addresses := list -}}
{{- range $i := until (int .Values.store.shards) -}}
{{- $addresses = append $addresses (printf "%s-%d.%s.%s.svc.%s:7400" $name $i $headless $.Release.Namespace $.Values.clusterDomain) -}}
{{- end -}}
{{- join "," $addresses -}}
{{- end -}}

{{/* NATS_URL: the chart's NATS client Service, or nats.url (required when nats.enabled is false). */}}
{{- define "starling.natsUrl" -}}
{{- if .Values.nats.enabled -}}
{{- printf "nats://%s.%s.svc.%s:4222" (include "starling.componentName" (dict "root" . "component" "nats")) .Release.Namespace .Values.clusterDomain -}}
{{- else -}}
{{- required "nats.url is required when nats.enabled is false (e.g. --set nats.url=nats://nats.messaging.svc:4222)" .Values.nats.url -}}
{{- end -}}
{{- end -}}

{{/*
Gateway drain window in whole seconds, parsed from gateway.config.drain (`500ms`, `10s`, `2m`, or a bare
number of milliseconds as the gateway reads it). Rounded up.
*/}}
{{- define "starling.gatewayDrainSeconds" -}}
{{- $raw := include "starling.envValue" .Values.gateway.config.drain | trim -}}
{{- $m := regexFindAll "^([0-9]+)(ms|s|m)?$" $raw -1 -}}
{{- if not $m -}}
{{- fail (printf "gateway.config.drain must be a whole number with unit ms, s or m (e.g. 10s), got %q" $raw) -}}
{{- end -}}
{{- $n := regexReplaceAll "^([0-9]+)(ms|s|m)?$" $raw "${1}" | int64 -}}
{{- $unit := regexReplaceAll "^([0-9]+)(ms|s|m)?$" $raw "${2}" -}}
{{- if eq $unit "s" -}}
{{- $n -}}
{{- else if eq $unit "m" -}}
{{- mul $n 60 -}}
{{- else -}}
{{- div (add $n 999) 1000 -}}
{{- end -}}
{{- end -}}

{{/* Pod security context and container security context blocks. */}}
{{- define "starling.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext -}}
{{- end -}}

{{- define "starling.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext -}}
{{- end -}}

{{/*
Scheduling of a component: nodeSelector, tolerations, affinity (or the anti-affinity preset) and topology
spread constraints with the component's selector labels filled in.
Usage: include "starling.scheduling" (dict "root" $ "component" "gateway" "values" .Values.gateway)
*/}}
{{- define "starling.scheduling" -}}
{{- $selector := include "starling.selectorLabels" . | fromYaml -}}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .values.affinity }}
affinity:
  {{- toYaml .values.affinity | nindent 2 }}
{{- else if eq (default "" .values.podAntiAffinity) "hard" }}
affinity:
  podAntiAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- toYaml $selector | nindent 12 }}
{{- else if eq (default "" .values.podAntiAffinity) "soft" }}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- toYaml $selector | nindent 14 }}
{{- end }}
{{- with .values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- range . }}
  {{- $c := deepCopy . }}
  {{- if not (hasKey $c "labelSelector") }}
  {{- $_ := set $c "labelSelector" (dict "matchLabels" $selector) }}
  {{- end }}
  - {{ toYaml $c | nindent 4 | trim }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* The /tmp emptyDir every pod mounts (read-only root filesystem). */}}
{{- define "starling.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end -}}

{{- define "starling.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Pod spec fields common to every Starling pod. */}}
{{- define "starling.podCommon" -}}
serviceAccountName: {{ include "starling.serviceAccountName" . }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
enableServiceLinks: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- include "starling.podSecurityContext" . | nindent 2 }}
{{- end -}}

{{/* Ops port probes (ADR 0005): liveness /healthz, readiness /readyz. */}}
{{- define "starling.opsLivenessProbe" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: ops
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
{{- end -}}

{{- define "starling.opsReadinessProbe" -}}
readinessProbe:
  httpGet:
    path: /readyz
    port: ops
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end -}}

{{/*
Nine tenths of a Kubernetes memory quantity, in bytes: the Go runtime's soft limit (GOMEMLIMIT) for a container
with that memory limit, so the garbage collector works harder before the kernel's OOM killer steps in. Takes
(dict "quantity" <string> "path" <value path for the error>).
*/}}
{{- define "starling.goMemLimit" -}}
{{- $q := .quantity -}}
{{- if not (kindIs "string" $q) -}}
{{- /* A bare number in a values file reaches the template as a float: bytes. */ -}}
{{- $q = printf "%.0f" (float64 $q) -}}
{{- end -}}
{{- $m := regexFind "^[0-9]+(\\.[0-9]+)?" $q -}}
{{- $unit := trimPrefix $m $q -}}
{{- $scale := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 -}}
{{- if or (eq $m "") (not (hasKey $scale $unit)) -}}
{{- fail (printf "%s: %q is not a memory quantity this chart reads (a number with k, M, G, T, Ki, Mi, Gi or Ti)" .path $q) -}}
{{- end -}}
{{- printf "%d" (int64 (floor (mulf (float64 $m) (get $scale $unit) 0.9))) -}}
{{- end -}}
