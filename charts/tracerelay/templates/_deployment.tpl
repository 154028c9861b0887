{{/*
One role's Deployment: (dict "root" $ "role" "ingest"). The container runs `tracerelay <role>`
(the image's ENTRYPOINT is `node bin/tracerelay.ts`) with the ConfigMap mounted at /etc/tracerelay.
*/}}
{{- define "tracerelay.deployment" -}}
{{- $root := .root }}
{{- $role := .role }}
{{- $v := $root.Values }}
{{- $r := index $v.roles $role }}
{{- $ctx := dict "root" $root "role" $role }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "tracerelay.fullname" $root }}-{{ $role }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "tracerelay.roleLabels" $ctx | nindent 4 }}
spec:
  {{- if not (and $r.autoscaling $r.autoscaling.enabled) }}
  replicas: {{ $r.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "tracerelay.roleSelectorLabels" $ctx | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        {{- with (merge (deepCopy ($r.podAnnotations | default dict)) ($v.podAnnotations | default dict)) }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      labels:
        {{- include "tracerelay.roleLabels" $ctx | nindent 8 }}
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "tracerelay.serviceAccountName" $root }}
      automountServiceAccountToken: false
      {{- with $v.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $v.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      containers:
        - name: {{ $role }}
          image: {{ include "tracerelay.image" $root | quote }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          args:
            - {{ $role }}
            {{- if eq $role "deliver" }}
            {{- range $r.destinations }}
            - --destination
            - {{ . | quote }}
            {{- end }}
            {{- end }}
            {{- range $r.args }}
            - {{ . | quote }}
            {{- end }}
          env:
            {{- include "tracerelay.env" $ctx | nindent 12 }}
          ports:
            - name: http
              containerPort: {{ include "tracerelay.port" $root }}
              protocol: TCP
          startupProbe:
            httpGet:
              path: /health/live
              port: http
            periodSeconds: {{ $v.probes.startup.periodSeconds }}
            failureThreshold: {{ $v.probes.startup.failureThreshold }}
          livenessProbe:
            httpGet:
              path: /health/live
              port: http
            periodSeconds: {{ $v.probes.liveness.periodSeconds }}
            timeoutSeconds: {{ $v.probes.liveness.timeoutSeconds }}
            failureThreshold: {{ $v.probes.liveness.failureThreshold }}
          readinessProbe:
            httpGet:
              path: /health/ready
              port: http
            periodSeconds: {{ $v.probes.readiness.periodSeconds }}
            timeoutSeconds: {{ $v.probes.readiness.timeoutSeconds }}
            failureThreshold: {{ $v.probes.readiness.failureThreshold }}
          {{- with $r.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            {{- toYaml $v.securityContext | nindent 12 }}
          volumeMounts:
            - name: config
              mountPath: /etc/tracerelay
              readOnly: true
            - name: data
              mountPath: /data
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: config
          configMap:
            name: {{ include "tracerelay.fullname" $root }}-config
        - name: data
          emptyDir: {}
        - name: tmp
          emptyDir: {}
      {{- with ($r.nodeSelector | default $v.nodeSelector) }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with ($r.affinity | default $v.affinity) }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with ($r.tolerations | default $v.tolerations) }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}

{{/* One role's HorizontalPodAutoscaler (autoscaling/v2): (dict "root" $ "role" "ingest"). */}}
{{- define "tracerelay.hpa" -}}
{{- $root := .root }}
{{- $role := .role }}
{{- $r := index $root.Values.roles $role }}
{{- $a := $r.autoscaling }}
{{- $ctx := dict "root" $root "role" $role }}
{{- if and $r.enabled $a.enabled }}
{{- if not (or $a.targetCPUUtilizationPercentage $a.targetMemoryUtilizationPercentage) }}
{{- fail (printf "roles.%s.autoscaling: set targetCPUUtilizationPercentage and/or targetMemoryUtilizationPercentage" $role) }}
{{- end }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "tracerelay.fullname" $root }}-{{ $role }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "tracerelay.roleLabels" $ctx | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "tracerelay.fullname" $root }}-{{ $role }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    {{- with $a.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
    {{- with $a.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
{{- end }}
{{- end }}
