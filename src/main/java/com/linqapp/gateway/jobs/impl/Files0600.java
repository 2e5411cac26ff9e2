package com.linqapp.gateway.jobs.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * File operations of the store, always private to the gateway's user: directories {@code 0700}, files
 * {@code 0600} from the moment they exist (the job data holds raw addresses), and atomic replacement.
 */
final class Files0600 {

  static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private static final boolean POSIX = Path.of(".").getFileSystem().supportedFileAttributeViews().contains("posix");

  private Files0600() {
  }

  /** Creates the directory (and parents) when missing, and makes it 0700 either way. */
  static void directory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      if (POSIX) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
      } else {
        Files.createDirectories(dir);
      }
    }
    if (POSIX) {
      Files.setPosixFilePermissions(dir, DIRECTORY);
    }
  }

  /** Opens (creating 0600 when missing) a file for reading and writing. */
  static FileChannel open(Path file, OpenOption... extra) throws IOException {
    Set<OpenOption> options = new java.util.HashSet<>(Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE));
    options.addAll(Set.of(extra));
    FileAttribute<?>[] attributes = POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
        : new FileAttribute<?>[0];
    FileChannel channel = FileChannel.open(file, options, attributes);
    if (POSIX) {
      Files.setPosixFilePermissions(file, FILE); // an older file, or a umask narrower than expected
    }
    return channel;
  }

  /** Replaces {@code file} with {@code bytes} atomically and durably: a reader sees the old or the new file whole. */
  static void replace(Path file, byte[] bytes) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel channel = open(tmp, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(file.getParent());
  }

  /** Makes a rename or a new file in {@code dir} durable (a no-op where directories cannot be opened). */
  static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException notSupported) {
      // not every platform can sync a directory; the rename itself is still atomic
    }
  }

  /** Deletes a directory tree (missing is fine). */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  /** Creates {@code dir} new (0700); fails when it exists. */
  static void newDirectory(Path dir) throws IOException {
    if (POSIX) {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
    } else {
      Files.createDirectory(dir);
    }
  }

  static boolean exists(Path path) {
    return Files.exists(path);
  }

  static void requireAbsent(Path path) throws FileAlreadyExistsException {
    if (Files.exists(path)) {
      throw new FileAlreadyExistsException(path.toString());
    }
  }
}
