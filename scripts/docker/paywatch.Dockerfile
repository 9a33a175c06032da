# Image for the paywatch collector and alert engine (docker-compose.yml builds it from the
# repository root: `docker build -f scripts/docker/paywatch.Dockerfile .`). Runs the TypeScript
# sources through tsx, like `npx paywatch`, so there is no separate build step.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY collector/package.json collector/
COPY alerts/package.json alerts/
COPY dashboard/package.json dashboard/
# tsx (a root dev dependency) runs the sources, so dev dependencies stay in.
RUN npm ci --include=dev --ignore-scripts && npm cache clean --force
COPY tsconfig.base.json tsconfig.json ./
COPY contracts contracts
COPY collector collector
COPY alerts alerts
COPY dashboard dashboard
RUN mkdir -p /data && chown node:node /data
USER node
ENV PAYWATCH_HOST=0.0.0.0 PAYWATCH_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
CMD ["node", "collector/bin/paywatch.mjs", "start", "--no-demo"]
